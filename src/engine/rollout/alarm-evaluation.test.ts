import { describe, expect, it } from 'vitest';
import { evaluateAlarm, evaluateAlarms } from './alarm-evaluation.js';
import { alarm, everySecond, sample, T0 } from './testing/metric-samples.js';
import type { AlarmSpec } from './types.js';
import type { MetricSample } from '../../store/types.js';

const scope = (now: number) => ({ newVersionIds: ['v2'], baselineVersionIds: ['v1'], now });

function judge(spec: Partial<AlarmSpec>, samples: MetricSample[], now = T0 + 10_000) {
  return evaluateAlarm(alarm(spec), samples, scope(now));
}

describe('absolute thresholds and comparisons', () => {
  it('fails when enough datapoints breach, saying the values, threshold and window', () => {
    const samples = everySecond('v2', T0 + 1000, 20, { invocations: 100, errors: 31 });
    const result = judge({ periodMs: 10_000, evaluationPeriods: 2 }, samples, T0 + 21_000);
    expect(result.outcome).toBe('failed');
    expect(result.reason).toBe('errorRate 0.31, 0.31 > 0.05 in 2 of 2 datapoints (window 10:00:01–10:00:21)');
    expect(result.datapoints.map((d) => [d.from - T0, d.to - T0, d.value, d.invocations, d.breaching])).toEqual([
      [1000, 11_000, 0.31, 1000, true],
      [11_000, 21_000, 0.31, 1000, true],
    ]);
  });

  it('succeeds when every datapoint has data and none breaches', () => {
    const result = judge({ periodMs: 5000, evaluationPeriods: 2 }, everySecond('v2', T0, 10, { invocations: 20, errors: 0 }));
    expect(result.outcome).toBe('successful');
    expect(result.reason).toBe('errorRate 0, 0 <= 0.05 in 2 of 2 datapoints (window 10:00:00–10:00:10)');
  });

  it.each([
    ['GreaterThanThreshold', false],
    ['GreaterThanOrEqualToThreshold', true],
    ['LessThanThreshold', false],
    ['LessThanOrEqualToThreshold', true],
  ] as const)('%s at a value equal to the threshold breaches: %s', (comparison, breaching) => {
    const result = judge({ metric: 'errors', threshold: 4, comparison }, [sample('v2', T0 + 9000, { invocations: 10, errors: 4 })]);
    expect(result.datapoints[0].breaching).toBe(breaching);
    expect(result.outcome).toBe(breaching ? 'failed' : 'successful');
  });

  it('alarms on invocations that fall below a floor', () => {
    const result = judge({ metric: 'invocations', threshold: 15, comparison: 'LessThanThreshold', name: 'too quiet' }, [sample('v2', T0 + 9000, { invocations: 12 })]);
    expect([result.alarm, result.outcome, result.reason]).toEqual(['too quiet', 'failed', 'invocations 12 < 15 in 1 of 1 datapoints (window 10:00:09–10:00:10)']);
  });
});

describe('period, evaluationPeriods and datapointsToAlarm', () => {
  const oneBadSecond = [...everySecond('v2', T0 + 7000, 3, { invocations: 20 }), sample('v2', T0 + 8000, { invocations: 20, errors: 20 })];

  it('needs datapointsToAlarm breaching datapoints out of evaluationPeriods', () => {
    // Seconds 7, 8 and 9: only second 8 fails (the later sample for second 8 adds up with the healthy one).
    expect(judge({ evaluationPeriods: 3, datapointsToAlarm: 2 }, oneBadSecond).outcome).toBe('successful');
    expect(judge({ evaluationPeriods: 3, datapointsToAlarm: 1 }, oneBadSecond).outcome).toBe('failed');
    const twoBad = [...oneBadSecond, sample('v2', T0 + 9000, { invocations: 20, errors: 20 })];
    expect(judge({ evaluationPeriods: 3, datapointsToAlarm: 2 }, twoBad).reason).toBe('errorRate 0.5, 0.5 > 0.05 in 2 of 3 datapoints (window 10:00:07–10:00:10)');
  });

  it('sums a longer period: one failing second in a 3 s window is diluted', () => {
    expect(judge({ periodMs: 3000 }, oneBadSecond).datapoints[0].value).toBeCloseTo(20 / 80);
  });
});

describe('missing data and the minimum-invocations guard', () => {
  const fewCalls = [sample('v2', T0 + 9000, { invocations: 9, errors: 9 })];

  it('treats fewer than minInvocations as no data: not judged, inconclusive, never a pass', () => {
    const result = judge({}, fewCalls);
    expect(result.outcome).toBe('inconclusive');
    expect(result.datapoints[0]).toMatchObject({ value: 1, invocations: 9, breaching: null });
    expect(result.reason).toBe('errorRate: not enough data to judge, 1 with fewer than 10 invocations of the new version of 1 datapoint of 1s (window 10:00:09–10:00:10)');
  });

  it('judges the same datapoint once minInvocations allows it', () => {
    expect(judge({ minInvocations: 5 }, fewCalls).outcome).toBe('failed');
  });

  it.each([
    ['missing', null, 'inconclusive'],
    ['ignore', null, 'inconclusive'],
    ['notBreaching', false, 'inconclusive'],
    ['breaching', true, 'failed'],
  ] as const)('treatMissingData %s: the empty datapoint breaches %s, the alarm is %s', (treatMissingData, breaching, outcome) => {
    const result = judge({ treatMissingData }, []);
    expect(result.datapoints[0].breaching).toBe(breaching);
    expect(result.outcome).toBe(outcome);
  });

  it('says when missing data was counted as breaching', () => {
    expect(judge({ treatMissingData: 'breaching' }, []).reason).toBe('errorRate 1 datapoint with fewer than 10 invocations (treated as breaching) in 1 of 1 datapoints (window 10:00:09–10:00:10)');
  });

  it('never passes on notBreaching alone, even with several empty datapoints', () => {
    const result = judge({ treatMissingData: 'notBreaching', evaluationPeriods: 2, datapointsToAlarm: 1 }, [sample('v2', T0 + 9000, { invocations: 20 })]);
    expect(result.datapoints.map((d) => d.breaching)).toEqual([false, false]);
    expect(result.outcome).toBe('inconclusive');
  });

  it('counts throttled calls for the throttles metric, which has no invocations when all are throttled', () => {
    const result = judge({ metric: 'throttles', threshold: 5, name: 'throttled' }, [sample('v2', T0 + 9000, { throttles: 40 })]);
    expect([result.outcome, result.datapoints[0].value]).toEqual(['failed', 40]);
  });
});

describe('relative alarms against the old versions in the same window', () => {
  it('fails when p99 exceeds 1.2 × the baseline p99', () => {
    const samples = [sample('v2', T0 + 9000, { invocations: 50, durationMs: 700 }), sample('v1', T0 + 9000, { invocations: 200, durationMs: 350 })];
    const result = judge({ metric: 'p99Duration', threshold: 0, relative: { factor: 1.2 }, name: 'slower' }, samples);
    expect(result.outcome).toBe('failed');
    expect(result.datapoints[0]).toMatchObject({ value: 747.5, baseline: 498 });
    expect(result.reason).toBe('p99Duration 748ms > 598ms (1.2x baseline, baseline 498ms) in 1 of 1 datapoints (window 10:00:09–10:00:10)');
  });

  it('passes when the new version is as fast as the old one', () => {
    const samples = [sample('v2', T0 + 9000, { invocations: 50, durationMs: 40 }), sample('v1', T0 + 9000, { invocations: 200, durationMs: 40 })];
    expect(judge({ metric: 'p99Duration', threshold: 0, relative: { factor: 1.2 } }, samples).outcome).toBe('successful');
  });

  it('adds points to the baseline error rate: 4% > 1% + 2pt, 2.5% is not', () => {
    const spec = { threshold: 0.02, relative: { factor: 1 }, name: 'errors up' };
    const baseline = sample('v1', T0 + 9000, { invocations: 1000, errors: 10 });
    expect(judge(spec, [baseline, sample('v2', T0 + 9000, { invocations: 100, errors: 4 })]).outcome).toBe('failed');
    expect(judge(spec, [baseline, sample('v2', T0 + 9000, { invocations: 200, errors: 5 })]).outcome).toBe('successful');
  });

  it('mirrors the offset for Less… comparisons: invocations below half the baseline minus 5', () => {
    const spec = { metric: 'invocations' as const, threshold: 5, relative: { factor: 0.5 }, comparison: 'LessThanThreshold' as const };
    const baseline = sample('v1', T0 + 9000, { invocations: 100 });
    expect(judge(spec, [baseline, sample('v2', T0 + 9000, { invocations: 44 })]).outcome).toBe('failed');
    expect(judge(spec, [baseline, sample('v2', T0 + 9000, { invocations: 45 })]).outcome).toBe('successful');
  });

  it('is inconclusive without baseline data in the window', () => {
    const result = judge({ metric: 'p99Duration', threshold: 0, relative: { factor: 1.2 } }, [sample('v2', T0 + 9000, { invocations: 50, durationMs: 900 }), sample('v1', T0 + 9000, { invocations: 3 })]);
    expect(result.outcome).toBe('inconclusive');
    expect(result.datapoints[0]).toMatchObject({ baseline: null, breaching: null });
    expect(result.reason).toContain('1 without baseline data (fewer than 10 invocations of the old version)');
  });
});

describe('error outcome', () => {
  it('reports an impossible computation instead of guessing', () => {
    const broken = { ...sample('v2', T0 + 9000, { invocations: 20 }), durationHistogram: [20] };
    const result = judge({ metric: 'p50Duration', threshold: 100 }, [broken]);
    expect(result.outcome).toBe('error');
    expect(result.reason).toMatch(/cannot be evaluated: the duration histogram of version v2/);
    expect(judge({ periodMs: 1500 }, []).outcome).toBe('error');
  });

  it('evaluates each alarm on its own', () => {
    const results = evaluateAlarms([alarm(), alarm({ name: 'slow', metric: 'p90Duration', threshold: 100 })], [sample('v2', T0 + 9000, { invocations: 20, durationMs: 500 })], scope(T0 + 10_000));
    expect(results.map((r) => [r.alarm, r.outcome])).toEqual([
      ['errorRate > 0.05', 'successful'],
      ['slow', 'failed'],
    ]);
  });
});
