import { describe, expect, it } from 'vitest';
import { STRATEGY_NAMES, parseStrategy } from '../../manifest/index.js';
import { createRollout, step } from './rollout-machine.js';
import { alarm, everySecond, sample, T0 } from './testing/metric-samples.js';
import { effects, notices, rolloutInput } from './testing/rollout-inputs.js';
import { RolloutSimulation } from './testing/rollout-simulation.js';
import type { RolloutState } from './types.js';

const MIN = 60_000;
const healthy = (from: number, seconds: number) => [...everySecond('v2', from, seconds, { invocations: 20 }), ...everySecond('v1', from, seconds, { invocations: 180 })];
const failing = (from: number, seconds: number) => [...everySecond('v2', from, seconds, { invocations: 20, errors: 20 }), ...everySecond('v1', from, seconds, { invocations: 180 })];

describe('schedules through the machine', () => {
  it('finishes AllAtOnce without hooks in the first step() call', () => {
    const result = createRollout(rolloutInput({ strategy: 'AllAtOnce' }), T0);
    expect(effects(result)).toEqual([
      ['setWeight', 100],
      ['finish', 'succeeded', null],
    ]);
    expect([result.state.phase, result.state.weight, result.state.finishedAt, result.state.wakeAt]).toEqual(['succeeded', 100, T0, null]);
    expect(notices(result)).toEqual([
      'info started: Rollout started with AllAtOnce: 100%',
      'info step: Step 1 of 1: 100% of traffic on the new versions',
      'info succeeded: Rollout succeeded: 100% of traffic on the new versions (AllAtOnce)',
    ]);
  });

  it.each(STRATEGY_NAMES)('%s applies exactly its schedule, step by step', (name) => {
    const simulation = new RolloutSimulation(rolloutInput({ strategy: name }), T0, { traffic: { requestsPerSecond: 200, newErrorRate: 0 } }).runUntilDone();
    const expected: Array<[number, number]> = [];
    let at = 0;
    for (const { weight, waitMs } of parseStrategy(name).steps) {
      expected.push([at, weight]);
      at += waitMs;
    }
    expect(simulation.weights.map((change) => [change.at - T0, change.weight])).toEqual(expected);
    expect(simulation.state.phase).toBe('succeeded');
  });

  it('applies a custom steps schedule with its interval', () => {
    const simulation = new RolloutSimulation(rolloutInput({ strategy: { type: 'steps', weights: [1, 5, 25, 50], interval: '30s' } }), T0, { traffic: { requestsPerSecond: 10, newErrorRate: 0 } }).runUntilDone();
    expect(simulation.weights.map((change) => [change.at - T0, change.weight])).toEqual([
      [0, 1],
      [30_000, 5],
      [60_000, 25],
      [90_000, 50],
      [120_000, 100],
    ]);
  });

  it('waits the step out and wakes at its end when there are no alarms', () => {
    const started = createRollout(rolloutInput(), T0);
    expect(effects(started)).toEqual([
      ['setWeight', 10],
      ['wakeAt', T0 + 5 * MIN],
    ]);
    expect(effects(step(started.state, { type: 'tick' }, T0 + 5 * MIN))).toEqual([
      ['setWeight', 100],
      ['finish', 'succeeded', null],
    ]);
  });

  it('sends all traffic at once on a first deploy, which has no old version to shift from', () => {
    const result = createRollout(rolloutInput({ functions: [{ function: 'submit', from: null, to: 'v2' }] }), T0);
    expect(effects(result)).toEqual([
      ['setWeight', 100],
      ['finish', 'succeeded', null],
    ]);
  });
});

describe('analysis during a step', () => {
  const input = rolloutInput({ alarms: [alarm()] });
  const started = createRollout(input, T0);

  it('asks for metrics four times per alarm period and judges each answer', () => {
    expect(effects(started)).toEqual([
      ['setWeight', 10],
      ['wakeAt', T0 + 250],
    ]);
    const tick = step(started.state, { type: 'tick' }, T0 + 250);
    expect(effects(tick)).toEqual([
      ['setWeight', 10],
      ['collectMetrics', T0 - 1750, T0 + 250],
      ['wakeAt', T0 + 500],
    ]);
    expect(notices(tick)).toEqual(['debug analysis: Collecting metrics at 10% (step 1 of 2)']);
    const judged = step(tick.state, { type: 'metrics', samples: healthy(T0, 1) }, T0 + 250);
    expect(judged.state.lastAnalysis.map((evaluation) => evaluation.outcome)).toEqual(['successful']);
    expect(notices(judged)[0]).toMatch(/^debug analysis: Analysis at 10%: errorRate > 0.05 successful: errorRate 0 <= 0.05/);
    expect(effects(judged)).toEqual([['wakeAt', T0 + 500]]);
    // The rhythm holds through the period: every answer asks for the next quarter.
    let state = judged.state;
    const wakes: number[] = [];
    for (let at = T0 + 500; at <= T0 + 1000; at += 250) {
      state = step(step(state, { type: 'tick' }, at).state, { type: 'metrics', samples: healthy(T0, 1) }, at).state;
      wakes.push((state.wakeAt as number) - T0);
    }
    expect(wakes).toEqual([750, 1000, 1250]);
  });

  it('judges a failing canary at the first quarter-period analysis that sees enough calls', () => {
    // 10 minInvocations: 6 failed calls at T0+250 are not enough to judge, 12 at T0+500 are.
    const early = step(started.state, { type: 'metrics', samples: [sample('v2', T0, { invocations: 6, errors: 6 })] }, T0 + 250);
    expect([early.state.phase, early.state.lastAnalysis[0].outcome]).toEqual(['shifting', 'inconclusive']);
    const caught = step(early.state, { type: 'metrics', samples: [sample('v2', T0, { invocations: 12, errors: 12 })] }, T0 + 500);
    expect(caught.state.phase).toBe('rollingBack');
    expect(effects(caught)[0]).toEqual(['rollback']);
  });

  it('rolls back at once on a failed alarm, then fails naming the alarm, datapoints and threshold', () => {
    const judged = step(started.state, { type: 'metrics', samples: failing(T0, 1) }, T0 + 1000);
    expect(effects(judged)).toEqual([['rollback'], ['wakeAt', T0 + 6000]]);
    expect(judged.state.phase).toBe('rollingBack');
    expect(notices(judged)).toEqual(['critical rollback: Rolling back to the old versions: alarm "errorRate > 0.05" failed: errorRate 1 > 0.05 in 1 of 1 datapoints (window 10:00:00–10:00:01)']);
    const done = step(judged.state, { type: 'rolledBack' }, T0 + 1050);
    expect(effects(done)).toEqual([['finish', 'failed', 'alarm "errorRate > 0.05" failed: errorRate 1 > 0.05 in 1 of 1 datapoints (window 10:00:00–10:00:01)']]);
    expect([done.state.phase, done.state.weight, done.state.finishedAt]).toEqual(['failed', 0, T0 + 1050]);
  });

  it('advances at the step end only on an analysis where every alarm is successful', () => {
    const end = T0 + 5 * MIN;
    const due = step(started.state, { type: 'tick' }, end);
    expect(effects(due)).toEqual([
      ['setWeight', 10],
      ['collectMetrics', end - 2000, end],
      ['wakeAt', end + 250],
    ]);
    const passed = step(due.state, { type: 'metrics', samples: healthy(end - 1000, 1) }, end);
    expect(effects(passed)).toEqual([
      ['setWeight', 100],
      ['finish', 'succeeded', null],
    ]);
  });

  it('holds on inconclusive analysis at the step end, warning once, and advances once it passes', () => {
    const end = T0 + 5 * MIN;
    const first = step(started.state, { type: 'metrics', samples: [sample('v2', end - 1000, { invocations: 3 })] }, end);
    expect(first.state.stepIndex).toBe(0);
    expect(effects(first)).toEqual([['wakeAt', end + 250]]);
    expect(notices(first)[0]).toMatch(/^warning inconclusive: Holding at 10%: step 1 of 2 is due but the analysis does not pass yet \(errorRate > 0.05 inconclusive: errorRate: not enough data/);
    const second = step(first.state, { type: 'metrics', samples: [] }, end + 250);
    expect([second.state.stepIndex, second.state.wakeAt]).toEqual([0, end + 500]);
    expect(notices(second)[0]).toMatch(/^debug inconclusive: Holding at 10%/);
    const third = step(second.state, { type: 'metrics', samples: [sample('v2', end, { invocations: 4 })] }, end + 500);
    expect([third.state.stepIndex, notices(third)[0]]).toEqual([0, expect.stringMatching(/^debug inconclusive: Holding at 10%/)]);
    const fourth = step(third.state, { type: 'metrics', samples: healthy(end, 1) }, end + 750);
    expect(fourth.state.phase).toBe('succeeded');
  });

  it('does not advance on an error outcome', () => {
    const broken = { ...sample('v2', T0 + 5 * MIN - 1000, { invocations: 20 }), durationHistogram: [1] };
    const result = step(started.state, { type: 'metrics', samples: [broken] }, T0 + 5 * MIN);
    expect([result.state.phase, result.state.stepIndex, result.state.lastAnalysis[0].outcome]).toEqual(['shifting', 0, 'error']);
  });

  it('analyses four times per shortest alarm period, and never sleeps past the step end', () => {
    const twoAlarms = createRollout(rolloutInput({ strategy: { type: 'canary', percent: 10, interval: '45s' }, alarms: [alarm({ periodMs: 60_000 }), alarm({ name: 'b', periodMs: 10_000 })] }), T0);
    expect(twoAlarms.state.wakeAt).toBe(T0 + 2500);
    const late = step(twoAlarms.state, { type: 'metrics', samples: [] }, T0 + 44_000);
    expect(late.state.wakeAt).toBe(T0 + 45_000);
  });

  it('never analyses more often than every 250 ms, whatever the period', () => {
    // Periods under a second are refused by validation; a hand-built plan still must not flood the store.
    const subSecond = createRollout(rolloutInput({ alarms: [alarm({ periodMs: 400 })] }), T0);
    expect(subSecond.state.wakeAt).toBe(T0 + 250);
  });
});

describe('events that mean nothing in a phase are ignored, never thrown', () => {
  const shifting = createRollout(rolloutInput(), T0).state;
  const cases: Array<[string, RolloutState, Parameters<typeof step>[1], RegExp]> = [
    ['start after creation', shifting, { type: 'start' }, /already started/],
    ['a hook result with no hook awaited', shifting, { type: 'hookResult', hook: 'preTraffic', outcome: 'failed' }, /while no hook is awaited/],
    ['rolledBack while shifting', shifting, { type: 'rolledBack' }, /nothing to confirm/],
    ['metrics without alarms', shifting, { type: 'metrics', samples: [] }, /nothing is analysed/],
  ];

  it.each(cases)('%s', (_name, state, event, message) => {
    const result = step(state, event, T0 + 1000);
    expect(result.state).toBe(state);
    expect(notices(result)).toEqual([expect.stringMatching(/^debug ignored: /)]);
    expect(notices(result)[0]).toMatch(message);
    // The wake-up the rollout waits for is repeated, so a driver that keeps the latest one loses nothing.
    expect(effects(result)).toEqual([['wakeAt', T0 + 5 * MIN]]);
  });
});
