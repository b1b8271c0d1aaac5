import { describe, expect, it } from 'vitest';
import { DURATION_BUCKETS_MS } from '../../store/types.js';
import { cutWindows, metricValue, percentileFromHistogram } from './metric-windows.js';
import { sample, T0 } from './testing/metric-samples.js';

function histogram(counts: Record<number, number>): number[] {
  const values = new Array<number>(DURATION_BUCKETS_MS.length).fill(0);
  for (const [index, count] of Object.entries(counts)) values[Number(index)] = count;
  return values;
}

describe('percentileFromHistogram', () => {
  it('interpolates inside the bucket the rank falls in', () => {
    // Bucket 9 holds durations from 300 to 500 ms.
    const all = histogram({ 9: 100 });
    expect(percentileFromHistogram(all, 0.5)).toBe(400);
    expect(percentileFromHistogram(all, 0.99)).toBe(498);
  });

  it('finds the tail bucket for p99 when most calls are fast', () => {
    // 90 calls in [10, 20) ms, 10 calls in [1000, 2000) ms.
    const mixed = histogram({ 4: 90, 12: 10 });
    expect(percentileFromHistogram(mixed, 0.5)).toBeCloseTo(10 + (10 * 50) / 90);
    expect(percentileFromHistogram(mixed, 0.9)).toBe(20);
    expect(percentileFromHistogram(mixed, 0.99)).toBe(1900);
  });

  it('returns the lower bound in the unbounded last bucket, and null without data', () => {
    expect(percentileFromHistogram(histogram({ [DURATION_BUCKETS_MS.length - 1]: 3 }), 0.99)).toBe(60_000);
    expect(percentileFromHistogram(histogram({}), 0.5)).toBeNull();
  });
});

describe('cutWindows', () => {
  const query = { newVersionIds: ['v2'], baselineVersionIds: ['v1'], periodMs: 2000, count: 2 };

  it('counts each bucket once, in the window where it ends, oldest window first', () => {
    const now = T0 + 4000;
    const samples = [0, 1, 2, 3].map((second) => sample('v2', T0 + second * 1000, { invocations: second + 1 }));
    const { windows } = cutWindows(samples, { ...query, now });
    expect(windows.map((w) => [w.from - T0, w.to - T0, w.current.invocations])).toEqual([
      [0, 2000, 1 + 2],
      [2000, 4000, 3 + 4],
    ]);
  });

  it('puts the bucket still being filled into the newest window, and drops buckets older than the oldest', () => {
    const now = T0 + 4300;
    const samples = [sample('v2', T0 - 2000, { invocations: 50 }), sample('v2', T0 + 3000, { invocations: 4 }), sample('v2', T0 + 4000, { invocations: 2 })];
    const { windows } = cutWindows(samples, { ...query, now });
    expect(windows.map((w) => w.current.invocations)).toEqual([0, 6]);
  });

  it('separates the new versions from the baseline and ignores other versions', () => {
    const now = T0 + 2000;
    const samples = [sample('v2', T0, { invocations: 3, errors: 1 }), sample('v1', T0, { invocations: 30, errors: 2 }), sample('v0', T0, { invocations: 99 })];
    const [, newest] = cutWindows(samples, { ...query, now }).windows;
    expect([newest.current.invocations, newest.current.errors, newest.baseline.invocations, newest.baseline.errors]).toEqual([3, 1, 30, 2]);
    expect(metricValue('errorRate', newest.current)).toBeCloseTo(1 / 3);
  });

  it('reports a malformed sample instead of computing with it', () => {
    const broken = { ...sample('v2', T0, { invocations: 2 }), durationHistogram: [2] };
    expect(cutWindows([broken], { ...query, now: T0 + 1000 }).problem).toMatch(/histogram of version v2 .* has 1 buckets, expected 18/);
  });
});
