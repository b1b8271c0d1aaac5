import { describe, expect, it } from 'vitest';
import { createRollout, step } from './rollout-machine.js';
import { T0 } from './testing/metric-samples.js';
import { effects, gate, hook, notices, rolloutInput } from './testing/rollout-inputs.js';
import { RolloutSimulation } from './testing/rollout-simulation.js';

const MIN = 60_000;
const traffic = { requestsPerSecond: 200, newErrorRate: 0 };

describe('preTraffic hook', () => {
  const started = createRollout(rolloutInput({ hooks: { preTraffic: hook() } }), T0);

  it('runs before any weighted traffic, with its deadline', () => {
    expect(started.state.phase).toBe('preTraffic');
    expect(started.state.weight).toBe(0);
    expect(effects(started)).toEqual([
      ['setWeight', 0],
      ['runHook', 'preTraffic', T0 + MIN],
      ['wakeAt', T0 + MIN],
    ]);
    expect(notices(started)).toContain('info hook: Running the preTraffic hook (times out after 60s)');
  });

  it('on success, starts the first step', () => {
    const passed = step(started.state, { type: 'hookResult', hook: 'preTraffic', outcome: 'succeeded' }, T0 + 2000);
    expect(effects(passed)).toEqual([
      ['setWeight', 10],
      ['wakeAt', T0 + 2000 + 5 * MIN],
    ]);
    expect([passed.state.phase, passed.state.hookDeadline]).toEqual(['shifting', null]);
  });

  it('on failure, rolls back with its reason and the new versions never get weighted traffic', () => {
    const simulation = new RolloutSimulation(rolloutInput({ hooks: { preTraffic: hook() } }), T0, {
      traffic,
      hooks: { preTraffic: { outcome: 'failed', reason: 'smoke test got 500', afterMs: 1500 } },
    }).runUntilDone();
    expect([simulation.state.phase, simulation.state.reason]).toEqual(['failed', 'preTraffic hook failed: smoke test got 500']);
    expect(Math.max(...simulation.weights.map((change) => change.weight))).toBe(0);
    expect(simulation.actions.filter((action) => action.type === 'finish')).toEqual([{ type: 'finish', status: 'failed', reason: 'preTraffic hook failed: smoke test got 500', at: T0 + 1500 }]);
  });

  it('keeps a reason the driver already phrased, and says when none was given', () => {
    const thrown = step(started.state, { type: 'hookResult', hook: 'preTraffic', outcome: 'failed', reason: 'preTraffic hook threw Error: boom' }, T0 + 10);
    expect(thrown.state.reason).toBe('preTraffic hook threw Error: boom');
    expect(step(started.state, { type: 'hookResult', hook: 'preTraffic', outcome: 'failed' }, T0 + 10).state.reason).toBe('preTraffic hook failed: no reason given');
  });

  it('times out at its deadline: a tick then rolls back', () => {
    const timedOut = step(started.state, { type: 'tick' }, T0 + MIN);
    expect(effects(timedOut)).toEqual([['rollback'], ['wakeAt', T0 + MIN + 5000]]);
    expect(timedOut.state.reason).toBe('preTraffic hook timed out after 60s');
  });

  it('treats a result that comes after the deadline as a timeout', () => {
    const late = step(started.state, { type: 'hookResult', hook: 'preTraffic', outcome: 'succeeded' }, T0 + MIN + 1);
    expect([late.state.phase, late.state.reason]).toEqual(['rollingBack', 'preTraffic hook timed out after 60s (its result came 1ms late)']);
  });

  it('ignores the result of another hook', () => {
    const other = step(started.state, { type: 'hookResult', hook: 'postTraffic', outcome: 'failed' }, T0 + 10);
    expect(other.state).toBe(started.state);
    expect(notices(other)).toEqual(['debug ignored: A postTraffic hook result arrived while the preTraffic hook is awaited']);
  });
});

describe('postTraffic hook', () => {
  const atFull = (timeoutMs = 60_000) => step(createRollout(rolloutInput({ hooks: { postTraffic: hook(timeoutMs) } }), T0).state, { type: 'tick' }, T0 + 5 * MIN);

  it('runs once traffic is at 100%, and its success finishes the rollout', () => {
    const full = atFull();
    expect(full.state.phase).toBe('postTraffic');
    expect(effects(full)).toEqual([
      ['setWeight', 100],
      ['runHook', 'postTraffic', T0 + 6 * MIN],
      ['wakeAt', T0 + 6 * MIN],
    ]);
    const done = step(full.state, { type: 'hookResult', hook: 'postTraffic', outcome: 'succeeded' }, T0 + 5 * MIN + 500);
    expect(effects(done)).toEqual([['finish', 'succeeded', null]]);
  });

  it('on failure, rolls back from 100%', () => {
    const failed = step(atFull().state, { type: 'hookResult', hook: 'postTraffic', outcome: 'failed', reason: 'checkout broken' }, T0 + 5 * MIN + 500);
    expect(effects(failed)).toEqual([['rollback'], ['wakeAt', T0 + 5 * MIN + 5500]]);
    expect(failed.state.reason).toBe('postTraffic hook failed: checkout broken');
  });

  it('times out after its own timeout', () => {
    const timedOut = step(atFull(30_000).state, { type: 'tick' }, T0 + 5 * MIN + 30_000);
    expect(timedOut.state.reason).toBe('postTraffic hook timed out after 30s');
  });
});

describe('confirm-promotion gate', () => {
  it('is asked before every increase of traffic, and the rollout waits for it', () => {
    const simulation = new RolloutSimulation(rolloutInput({ strategy: 'Linear10PercentEvery1Minute', hooks: { confirmPromotion: gate() } }), T0, {
      traffic,
      hooks: { confirmPromotion: { outcome: 'succeeded', afterMs: 200 } },
    }).runUntilDone();
    const asked = simulation.actions.filter((action) => action.type === 'runHook').map((action) => action.at - T0);
    expect(asked).toEqual([0, 60_200, 120_400, 180_600, 240_800, 301_000, 361_200, 421_400, 481_600, 541_800]);
    const changes = simulation.weights.filter((change, index) => index === 0 || change.weight !== simulation.weights[index - 1].weight);
    expect(changes.map((change) => [change.at - T0, change.weight])).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((weight, index) => [200 + index * 60_200, weight]));
    expect(simulation.state.phase).toBe('succeeded');
  });

  it('rolls back when it refuses', () => {
    const started = createRollout(rolloutInput({ hooks: { confirmPromotion: gate() } }), T0);
    const atTen = step(started.state, { type: 'hookResult', hook: 'confirmPromotion', outcome: 'succeeded' }, T0 + 100);
    const asking = step(atTen.state, { type: 'tick' }, T0 + 100 + 5 * MIN);
    expect(effects(asking)).toEqual([
      ['setWeight', 10],
      ['runHook', 'confirmPromotion', T0 + 100 + 6 * MIN],
      ['wakeAt', T0 + 100 + 6 * MIN],
    ]);
    const refused = step(asking.state, { type: 'hookResult', hook: 'confirmPromotion', outcome: 'failed', reason: 'change freeze' }, T0 + 5 * MIN + 500);
    expect([refused.state.phase, refused.state.reason]).toEqual(['rollingBack', 'confirm-promotion failed: change freeze']);
  });

  it('rolls back when it does not answer in time', () => {
    const simulation = new RolloutSimulation(rolloutInput({ hooks: { confirmPromotion: gate(10_000) } }), T0, { traffic, hooks: { confirmPromotion: 'never' } }).runUntilDone();
    expect([simulation.state.phase, simulation.state.reason, simulation.state.finishedAt]).toEqual(['failed', 'confirm-promotion timed out after 10s', T0 + 10_000]);
  });
});
