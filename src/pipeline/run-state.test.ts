// The pure helpers of a run's state: which step comes next, what closing the rest does, the status a run
// shows while it has steps left, and how a step's duration reads in a table.

import { describe, expect, it } from 'vitest';
import { activeStatus, closeSteps, initialRunState, nextStep, stepDuration, updateStep } from './run-state.js';
import type { RunState, RunStep } from './types.js';

const NOW = 1_700_000_000_000;

function state(...steps: Array<Pick<RunStep, 'name' | 'status'> & Partial<RunStep>>): RunState {
  return { steps: steps.map((step) => ({ startedAt: null, finishedAt: null, detail: null, ...step })) };
}

describe('initialRunState', () => {
  it('lists every step pending, in order, with nothing started', () => {
    expect(initialRunState(['checkout', 'checks', 'deploy'])).toEqual({
      steps: [
        { name: 'checkout', status: 'pending', startedAt: null, finishedAt: null, detail: null },
        { name: 'checks', status: 'pending', startedAt: null, finishedAt: null, detail: null },
        { name: 'deploy', status: 'pending', startedAt: null, finishedAt: null, detail: null },
      ],
    });
  });

  it('carries the approval rule, undecided, when the steps include an approval', () => {
    const initial = initialRunState(['checkout', 'approval', 'promote'], { required: true, preventSelfReview: true });
    expect(initial.approval).toEqual({ required: true, preventSelfReview: true, decision: null, by: null, at: null, comment: null });
  });

  it('drops an approval rule when no step waits for it', () => {
    expect(initialRunState(['checkout', 'checks'], { required: true, preventSelfReview: false }).approval).toBeUndefined();
  });
});

describe('nextStep', () => {
  it('is the first step not finished, skipping succeeded, failed, skipped and canceled ones', () => {
    const run = state(
      { name: 'checkout', status: 'succeeded' },
      { name: 'checks', status: 'skipped' },
      { name: 'deploy', status: 'pending' },
      { name: 'integration', status: 'pending' },
    );
    expect(nextStep(run)?.name).toBe('deploy');
    expect(nextStep(state({ name: 'checkout', status: 'failed' }, { name: 'checks', status: 'canceled' }))).toBeUndefined();
  });

  it('is a running step again: a restart interrupted it', () => {
    expect(nextStep(state({ name: 'checkout', status: 'succeeded' }, { name: 'checks', status: 'running' }, { name: 'deploy', status: 'pending' }))?.name).toBe('checks');
  });

  it('is nothing once every step is done', () => {
    expect(nextStep(state({ name: 'checkout', status: 'succeeded' }))).toBeUndefined();
    expect(nextStep({ steps: [] })).toBeUndefined();
  });
});

describe('updateStep', () => {
  it('patches the named step only, leaving the given state untouched', () => {
    const before = state({ name: 'checkout', status: 'succeeded', detail: 'abc1234 first' }, { name: 'checks', status: 'pending' });
    const frozen = structuredClone(before);
    const after = updateStep(before, 'checks', { status: 'running', startedAt: NOW });
    expect(after.steps[1]).toEqual({ name: 'checks', status: 'running', startedAt: NOW, finishedAt: null, detail: null });
    expect(after.steps[0]).toEqual(before.steps[0]);
    expect(before).toEqual(frozen);
  });

  it('keeps the rest of the state (commit, approval, urls)', () => {
    const before: RunState = { ...state({ name: 'deploy', status: 'pending' }), urls: { api: 'http://x/api' }, releaseId: 'rel-1' };
    expect(updateStep(before, 'deploy', { status: 'succeeded' })).toMatchObject({ urls: { api: 'http://x/api' }, releaseId: 'rel-1' });
  });
});

describe('closeSteps', () => {
  const run = state(
    { name: 'checkout', status: 'succeeded', startedAt: NOW - 5000, finishedAt: NOW - 4000 },
    { name: 'checks', status: 'running', startedAt: NOW - 4000 },
    { name: 'deploy', status: 'pending' },
  );

  it('marks the running step with the status and its end, and the steps that never started skipped', () => {
    const closed = closeSteps(run, 'canceled', NOW);
    expect(closed.steps.map((step) => [step.name, step.status, step.finishedAt])).toEqual([
      ['checkout', 'succeeded', NOW - 4000],
      ['checks', 'canceled', NOW],
      ['deploy', 'skipped', null],
    ]);
    expect(nextStep(closed)).toBeUndefined();
  });

  it('skips a running step when told to skip (a run that failed elsewhere)', () => {
    expect(closeSteps(run, 'skipped', NOW).steps[1]).toMatchObject({ status: 'skipped', startedAt: NOW - 4000, finishedAt: NOW });
  });

  it('leaves finished steps as they were', () => {
    const done = state({ name: 'checkout', status: 'failed', finishedAt: NOW - 1, detail: 'no repository' }, { name: 'checks', status: 'pending' });
    expect(closeSteps(done, 'canceled', NOW).steps[0]).toEqual(done.steps[0]);
  });
});

describe('activeStatus', () => {
  const approvalRun = (decision: 'approved' | 'rejected' | null): RunState => ({
    ...state({ name: 'checkout', status: 'succeeded' }, { name: 'approval', status: 'pending' }, { name: 'promote', status: 'pending' }),
    approval: { required: true, preventSelfReview: false, decision, by: decision ? 'bob' : null, at: decision ? NOW : null, comment: null },
  });

  it('is awaiting_approval when the next step is an undecided approval', () => {
    expect(activeStatus(approvalRun(null))).toBe('awaiting_approval');
  });

  it('is running once the approval is decided, and before the approval step is reached', () => {
    expect(activeStatus(approvalRun('approved'))).toBe('running');
    const early: RunState = { ...approvalRun(null), steps: approvalRun(null).steps.map((step) => (step.name === 'checkout' ? { ...step, status: 'pending' as const } : step)) };
    expect(activeStatus(early)).toBe('running');
  });

  it('is running for runs without an approval', () => {
    expect(activeStatus(initialRunState(['checkout', 'checks']))).toBe('running');
  });
});

describe('stepDuration', () => {
  it('is empty for a step that never started', () => {
    expect(stepDuration({ startedAt: null, finishedAt: null }, NOW)).toBe('');
  });

  it('reads seconds with one decimal under a minute', () => {
    expect(stepDuration({ startedAt: NOW, finishedAt: NOW + 1234 }, 0)).toBe('1.2s');
    expect(stepDuration({ startedAt: NOW, finishedAt: NOW }, 0)).toBe('0.0s');
  });

  it('counts a running step up to now', () => {
    expect(stepDuration({ startedAt: NOW - 2500, finishedAt: null }, NOW)).toBe('2.5s');
  });

  it('reads minutes and seconds from a minute on', () => {
    expect(stepDuration({ startedAt: NOW, finishedAt: NOW + 184_000 }, 0)).toBe('3m 4s');
    expect(stepDuration({ startedAt: NOW, finishedAt: NOW + 60_000 }, 0)).toBe('1m 0s');
  });

  it('carries rounded-up seconds into the minutes instead of showing 60s', () => {
    expect(stepDuration({ startedAt: NOW, finishedAt: NOW + 119_600 }, 0)).toBe('2m 0s');
    expect(stepDuration({ startedAt: NOW, finishedAt: NOW + 3_599_700 }, 0)).toBe('60m 0s');
  });
});
