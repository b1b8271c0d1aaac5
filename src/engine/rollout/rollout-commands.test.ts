import { describe, expect, it } from 'vitest';
import { createRollout, step } from './rollout-machine.js';
import { alarm, everySecond, T0 } from './testing/metric-samples.js';
import { effects, gate, hook, notices, rolloutInput } from './testing/rollout-inputs.js';

const MIN = 60_000;
const failing = (from: number) => everySecond('v2', from, 1, { invocations: 20, errors: 20 });
const healthy = (from: number) => everySecond('v2', from, 1, { invocations: 20 });

describe('pause and resume', () => {
  const started = createRollout(rolloutInput(), T0);
  const paused = step(started.state, { type: 'pause', actor: 'alice' }, T0 + 2 * MIN);

  it('freezes the weight and keeps the remaining wait', () => {
    expect([paused.state.paused, paused.state.weight, paused.state.pausedRemainingMs, paused.state.nextStepAt]).toEqual([true, 10, 3 * MIN, null]);
    expect(notices(paused)).toEqual(['warning paused: Paused by alice at 10% with 3m left in step 1 of 2']);
    expect(effects(paused)).toEqual([]);
  });

  it('does not advance while paused, even long after the step would have ended', () => {
    const tick = step(paused.state, { type: 'tick' }, T0 + 60 * MIN);
    expect(effects(tick)).toEqual([['setWeight', 10]]);
    expect(tick.state.stepIndex).toBe(0);
  });

  it('resumes with the remaining wait', () => {
    const resumed = step(paused.state, { type: 'resume', actor: 'bob' }, T0 + 30 * MIN);
    expect([resumed.state.paused, resumed.state.nextStepAt, resumed.state.pausedRemainingMs]).toEqual([false, T0 + 33 * MIN, null]);
    expect(effects(resumed)).toEqual([['wakeAt', T0 + 33 * MIN]]);
    expect(notices(resumed)).toEqual(['info resumed: Resumed by bob at 10% with 3m left in step 1 of 2']);
  });

  it('ignores a second pause and a resume of a rollout that is not paused', () => {
    expect(notices(step(paused.state, { type: 'pause', actor: 'bob' }, T0))).toEqual(['debug ignored: Pause by bob ignored: the rollout is already paused']);
    expect(step(started.state, { type: 'resume', actor: 'bob' }, T0).state).toBe(started.state);
  });

  describe('with alarms', () => {
    const watched = createRollout(rolloutInput({ alarms: [alarm()] }), T0);
    const held = step(watched.state, { type: 'pause', actor: 'alice' }, T0 + 10_000);

    it('keeps analysing, and a failed alarm still rolls back while paused', () => {
      expect(effects(held)).toEqual([['wakeAt', T0 + 10_250]]);
      const failed = step(held.state, { type: 'metrics', samples: failing(T0 + 10_000) }, T0 + 10_250);
      expect(failed.state.phase).toBe('rollingBack');
      expect(failed.state.paused).toBe(false);
    });

    it('does not advance on a passing analysis while paused', () => {
      const passing = step(held.state, { type: 'metrics', samples: healthy(T0 + 6 * MIN) }, T0 + 6 * MIN + 1000);
      expect([passing.state.stepIndex, passing.state.weight]).toEqual([0, 10]);
    });

    it('when resumed after the wait ran out, analyses at once before moving on', () => {
      const overdue = step(watched.state, { type: 'pause', actor: 'alice' }, T0 + 5 * MIN);
      const resumed = step(overdue.state, { type: 'resume', actor: 'alice' }, T0 + 9 * MIN);
      expect(effects(resumed)).toEqual([
        ['collectMetrics', T0 + 9 * MIN - 2000, T0 + 9 * MIN],
        ['wakeAt', T0 + 9 * MIN + 250],
      ]);
    });
  });

  it('during the preTraffic hook: traffic stays at 0% after it passes, until resumed', () => {
    const started = createRollout(rolloutInput({ hooks: { preTraffic: hook() } }), T0);
    const pausedEarly = step(started.state, { type: 'pause', actor: 'alice' }, T0 + 100);
    const passed = step(pausedEarly.state, { type: 'hookResult', hook: 'preTraffic', outcome: 'succeeded' }, T0 + 1000);
    expect([passed.state.phase, passed.state.weight, passed.state.paused]).toEqual(['shifting', 0, true]);
    expect(notices(passed)).toContain('warning paused: Holding at 0% because the rollout is paused; resume to continue');
    const resumed = step(passed.state, { type: 'resume', actor: 'alice' }, T0 + 5000);
    expect(effects(resumed)).toEqual([
      ['setWeight', 10],
      ['wakeAt', T0 + 5000 + 5 * MIN],
    ]);
  });
});

describe('promote', () => {
  const linear = createRollout(rolloutInput({ strategy: 'Linear10PercentEvery10Minutes' }), T0);

  it('moves to the next step now, with that step’s full wait', () => {
    const promoted = step(linear.state, { type: 'promote', full: false, actor: 'carol' }, T0 + MIN);
    expect(effects(promoted)).toEqual([
      ['setWeight', 20],
      ['wakeAt', T0 + 11 * MIN],
    ]);
    expect(notices(promoted)[0]).toBe('info promoted: Promoted by carol to step 2 of 10, skipping the remaining wait');
  });

  it('--full goes to 100% now and finishes', () => {
    const promoted = step(linear.state, { type: 'promote', full: true, actor: 'carol' }, T0 + MIN);
    expect(effects(promoted)).toEqual([
      ['setWeight', 100],
      ['finish', 'succeeded', null],
    ]);
  });

  it('--full still runs the postTraffic hook', () => {
    const withHook = createRollout(rolloutInput({ hooks: { postTraffic: hook() } }), T0);
    const promoted = step(withHook.state, { type: 'promote', full: true, actor: 'carol' }, T0 + MIN);
    expect(promoted.state.phase).toBe('postTraffic');
    expect(effects(promoted)).toContainEqual(['runHook', 'postTraffic', T0 + 2 * MIN]);
  });

  it('ends a pause, and skips a pending confirm-promotion (a person decided)', () => {
    const gated = createRollout(rolloutInput({ hooks: { confirmPromotion: gate() } }), T0);
    const paused = step(gated.state, { type: 'pause', actor: 'dan' }, T0 + 10);
    const promoted = step(paused.state, { type: 'promote', full: false, actor: 'carol' }, T0 + 20);
    expect([promoted.state.weight, promoted.state.paused, promoted.state.hookDeadline]).toEqual([10, false, null]);
    const lateGate = step(promoted.state, { type: 'hookResult', hook: 'confirmPromotion', outcome: 'failed' }, T0 + 30);
    expect(lateGate.state).toBe(promoted.state);
  });

  it('is refused while the preTraffic hook runs', () => {
    const started = createRollout(rolloutInput({ hooks: { preTraffic: hook() } }), T0);
    const refused = step(started.state, { type: 'promote', full: true, actor: 'carol' }, T0 + 10);
    expect(refused.state).toBe(started.state);
    expect(notices(refused)).toEqual(['debug ignored: Promote by carol ignored: the preTraffic hook is running; wait for it or abort']);
  });
});

describe('abort', () => {
  it('rolls back and ends aborted, with who and why', () => {
    const started = createRollout(rolloutInput(), T0);
    const aborting = step(started.state, { type: 'abort', actor: 'erin', reason: 'bad numbers' }, T0 + MIN);
    expect(effects(aborting)).toEqual([['rollback'], ['wakeAt', T0 + MIN + 5000]]);
    expect(notices(aborting)).toEqual(['critical rollback: Rolling back to the old versions: aborted by erin: bad numbers']);
    const done = step(aborting.state, { type: 'rolledBack' }, T0 + MIN + 20);
    expect(effects(done)).toEqual([['finish', 'aborted', 'aborted by erin: bad numbers']]);
    expect([done.state.phase, done.state.abortedBy, done.state.weight]).toEqual(['aborted', 'erin', 0]);
    expect(notices(done)).toEqual(['warning aborted: Rollout aborted: all traffic is back on the old versions (aborted by erin: bad numbers)']);
  });

  it('works during a hook and is ignored once rolling back or finished', () => {
    const started = createRollout(rolloutInput({ hooks: { preTraffic: hook() } }), T0);
    const aborting = step(started.state, { type: 'abort', actor: 'erin' }, T0 + 10);
    expect([aborting.state.phase, aborting.state.reason, aborting.state.hookDeadline]).toEqual(['rollingBack', 'aborted by erin', null]);
    expect(step(aborting.state, { type: 'abort', actor: 'fay' }, T0 + 20).state).toBe(aborting.state);
    const finished = createRollout(rolloutInput({ strategy: 'AllAtOnce' }), T0).state;
    expect(notices(step(finished, { type: 'abort', actor: 'fay' }, T0 + 20))).toEqual(['debug ignored: Abort by fay ignored: the rollout is already succeeded']);
  });
});
