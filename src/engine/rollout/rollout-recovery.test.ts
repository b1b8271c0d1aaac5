import { describe, expect, it } from 'vitest';
import { createRollout, step } from './rollout-machine.js';
import { alarm, T0 } from './testing/metric-samples.js';
import { effects, gate, hook, notices, rolloutInput } from './testing/rollout-inputs.js';
import type { RolloutState, StepResult } from './types.js';

const MIN = 60_000;

/** What the driver reads back after a restart: the state as persisted (JSON). */
function persisted(result: StepResult): RolloutState {
  return JSON.parse(JSON.stringify(result.state)) as RolloutState;
}

const restartTick = (state: RolloutState, now: number) => step(state, { type: 'tick' }, now);

describe('recovery: a tick on any persisted state re-issues what is needed to continue', () => {
  it('preTraffic: re-runs the hook whose result was lost, within its original deadline', () => {
    const state = persisted(createRollout(rolloutInput({ hooks: { preTraffic: hook() } }), T0));
    const recovered = restartTick(state, T0 + 20_000);
    expect(effects(recovered)).toEqual([
      ['setWeight', 0],
      ['runHook', 'preTraffic', T0 + MIN],
      ['wakeAt', T0 + MIN],
    ]);
    expect(notices(recovered)).toEqual(['warning hook: Running the preTraffic hook again: its result was not received (40s left)']);
  });

  it('preTraffic: past the deadline, it is a timeout and rolls back', () => {
    const state = persisted(createRollout(rolloutInput({ hooks: { preTraffic: hook() } }), T0));
    const recovered = restartTick(state, T0 + 2 * MIN);
    expect(effects(recovered)).toEqual([['rollback'], ['wakeAt', T0 + 2 * MIN + 5000]]);
    expect(recovered.state.reason).toBe('preTraffic hook timed out after 60s');
  });

  it('shifting: re-applies the weight and wakes at the remaining wait', () => {
    const state = persisted(createRollout(rolloutInput(), T0));
    expect(effects(restartTick(state, T0 + 2 * MIN))).toEqual([
      ['setWeight', 10],
      ['wakeAt', T0 + 5 * MIN],
    ]);
  });

  it('shifting: after a downtime longer than the step, moves on at once', () => {
    const state = persisted(createRollout(rolloutInput({ strategy: 'Linear10PercentEvery1Minute' }), T0));
    expect(effects(restartTick(state, T0 + 3 * MIN))).toEqual([
      ['setWeight', 20],
      ['wakeAt', T0 + 4 * MIN],
    ]);
  });

  it('shifting with alarms: re-applies the weight and analyses again', () => {
    const state = persisted(createRollout(rolloutInput({ alarms: [alarm({ periodMs: 10_000, evaluationPeriods: 2 })] }), T0));
    expect(effects(restartTick(state, T0 + 35_000))).toEqual([
      ['setWeight', 10],
      ['collectMetrics', T0 + 35_000 - 21_000, T0 + 35_000],
      ['wakeAt', T0 + 37_500],
    ]);
  });

  it('shifting, paused: holds the weight and the remaining wait, waking for nothing', () => {
    const paused = persisted(step(createRollout(rolloutInput(), T0).state, { type: 'pause', actor: 'alice' }, T0 + MIN));
    const recovered = restartTick(paused, T0 + 30 * MIN);
    expect(effects(recovered)).toEqual([['setWeight', 10]]);
    expect([recovered.state.pausedRemainingMs, recovered.state.wakeAt]).toEqual([4 * MIN, null]);
  });

  it('shifting, asking confirm-promotion: asks the gate again', () => {
    const state = persisted(createRollout(rolloutInput({ hooks: { confirmPromotion: gate() } }), T0));
    expect(effects(restartTick(state, T0 + 1000))).toEqual([
      ['setWeight', 0],
      ['runHook', 'confirmPromotion', T0 + MIN],
      ['wakeAt', T0 + MIN],
    ]);
  });

  it('postTraffic: re-runs the hook at 100%', () => {
    const atFull = step(createRollout(rolloutInput({ hooks: { postTraffic: hook() } }), T0).state, { type: 'tick' }, T0 + 5 * MIN);
    expect(effects(restartTick(persisted(atFull), T0 + 5 * MIN + 1000))).toEqual([
      ['setWeight', 100],
      ['runHook', 'postTraffic', T0 + 6 * MIN],
      ['wakeAt', T0 + 6 * MIN],
    ]);
  });

  it('rollingBack: asks for the rollback again, and finishes once confirmed', () => {
    const aborting = step(createRollout(rolloutInput(), T0).state, { type: 'abort', actor: 'erin' }, T0 + MIN);
    const recovered = restartTick(persisted(aborting), T0 + 10 * MIN);
    expect(effects(recovered)).toEqual([['rollback'], ['wakeAt', T0 + 10 * MIN + 5000]]);
    expect(notices(recovered)).toEqual(['warning rollback: The rollback is not confirmed yet; asking for it again (aborted by erin)']);
    expect(effects(step(recovered.state, { type: 'rolledBack' }, T0 + 10 * MIN + 10))).toEqual([['finish', 'aborted', 'aborted by erin']]);
  });

  it('succeeded, failed and aborted: repeats the final traffic and the outcome', () => {
    const succeeded = createRollout(rolloutInput({ strategy: 'AllAtOnce' }), T0);
    expect(effects(restartTick(persisted(succeeded), T0 + MIN))).toEqual([
      ['setWeight', 100],
      ['finish', 'succeeded', null],
    ]);
    const rollingBack = step(createRollout(rolloutInput({ hooks: { preTraffic: hook() } }), T0).state, { type: 'hookResult', hook: 'preTraffic', outcome: 'failed', reason: 'no' }, T0 + 10);
    const failed = step(rollingBack.state, { type: 'rolledBack' }, T0 + 20);
    expect(effects(restartTick(persisted(failed), T0 + MIN))).toEqual([['rollback'], ['finish', 'failed', 'preTraffic hook failed: no']]);
    const aborted = step(step(createRollout(rolloutInput(), T0).state, { type: 'abort', actor: 'erin' }, T0).state, { type: 'rolledBack' }, T0 + 1);
    expect(effects(restartTick(persisted(aborted), T0 + MIN))).toEqual([['rollback'], ['finish', 'aborted', 'aborted by erin']]);
  });
});
