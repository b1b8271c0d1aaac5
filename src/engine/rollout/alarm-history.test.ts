import { describe, expect, it } from 'vitest';
import { alarmHistory, historyRange } from './alarm-history.js';
import { alarm, everySecond, sample, T0 } from './testing/metric-samples.js';

const query = (to: number, maxPoints?: number) => ({ newVersionIds: ['v2'], baselineVersionIds: ['v1'], from: T0, to, maxPoints });

describe('alarmHistory', () => {
  it('cuts periods from the start, the newest partial, and judges each as evaluateAlarm does', () => {
    const samples = [
      ...everySecond('v2', T0, 5, { invocations: 4, errors: 0 }),
      ...everySecond('v1', T0, 5, { invocations: 10, errors: 1 }),
      ...everySecond('v2', T0 + 5000, 5, { invocations: 4, errors: 2 }),
      sample('v2', T0 + 10_000, { invocations: 1, errors: 1 }),
    ];
    const history = alarmHistory(alarm({ periodMs: 5000, minInvocations: 10 }), samples, query(T0 + 10_500));
    expect(history.problem).toBeNull();
    expect(history.datapoints).toEqual([
      { t: T0, canary: 0, baseline: 0.1, limit: 0.05, breaching: false, noData: false, invocations: 20 },
      { t: T0 + 5000, canary: 0.5, baseline: null, limit: 0.05, breaching: true, noData: false, invocations: 20 },
      { t: T0 + 10_000, canary: 1, baseline: null, limit: 0.05, breaching: false, noData: true, invocations: 1 },
    ]);
  });

  it('leaves out samples from the end on (a finished rollout)', () => {
    const samples = [sample('v2', T0 + 1000, { invocations: 20, errors: 0 }), sample('v2', T0 + 3000, { invocations: 20, errors: 20 })];
    const [datapoint] = alarmHistory(alarm({ periodMs: 5000 }), samples, query(T0 + 2500)).datapoints;
    expect(datapoint).toMatchObject({ t: T0, canary: 0, invocations: 20, breaching: false });
  });

  it('limits a relative alarm by the baseline, and has no limit without enough baseline calls', () => {
    const relative = alarm({ metric: 'p99Duration', threshold: 50, relative: { factor: 2 }, periodMs: 1000, minInvocations: 5 });
    const samples = [
      sample('v1', T0, { invocations: 10, durationMs: 150 }), sample('v2', T0, { invocations: 10, durationMs: 450 }),
      sample('v1', T0 + 1000, { invocations: 2, durationMs: 150 }), sample('v2', T0 + 1000, { invocations: 10, durationMs: 450 }),
    ];
    const points = alarmHistory(relative, samples, query(T0 + 2000)).datapoints;
    // p99 of 150 ms calls is 199 (100–200 ms bucket); limit 2 × 199 + 50; the canary's 300–500 ms p99 is 498.
    expect(points.map((p) => [p.canary, p.baseline, p.limit, p.breaching, p.noData])).toEqual([[498, 199, 448, true, false], [498, 199, null, false, true]]);
  });

  it('keeps only the newest periods beyond maxPoints, and says why an alarm cannot be evaluated', () => {
    expect(historyRange({ periodMs: 1000 }, { from: T0, to: T0 + 10_000, maxPoints: 3 })).toEqual({ start: T0 + 7000, end: T0 + 10_000, count: 3 });
    expect(alarmHistory(alarm({ periodMs: 1000 }), [], query(T0 + 10_000, 3)).datapoints.map((p) => p.t)).toEqual([T0 + 7000, T0 + 8000, T0 + 9000]);
    const broken = alarmHistory(alarm({ periodMs: 1500 }), [], query(T0 + 3000));
    expect(broken.problem).toContain('not a whole number of seconds');
    expect(broken.datapoints.every((p) => !p.breaching)).toBe(true);
  });
});
