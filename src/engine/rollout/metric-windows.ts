// Cuts per-second metric samples into the analysis windows of one alarm (sliding, ending at `now`) and
// computes a metric's value over a window, with duration percentiles read from the histogram.
import { DURATION_BUCKETS_MS, type MetricSample } from '../../store/types.js';
import type { AlarmMetric } from './types.js';

const BUCKET_MS = 1000;

/** Everything one window holds for one side (the new versions, or the old ones). */
export interface WindowTotals {
  invocations: number;
  errors: number;
  throttles: number;
  durationSumMs: number;
  histogram: number[];
}

export interface MetricWindow {
  from: number;
  to: number;
  current: WindowTotals;
  baseline: WindowTotals;
}

export interface WindowQuery {
  newVersionIds: readonly string[];
  baselineVersionIds: readonly string[];
  now: number;
  periodMs: number;
  count: number;
}

export function emptyTotals(): WindowTotals {
  return { invocations: 0, errors: 0, throttles: 0, durationSumMs: 0, histogram: new Array<number>(DURATION_BUCKETS_MS.length).fill(0) };
}

/** Why a sample cannot be used, or undefined. */
export function sampleProblem(sample: MetricSample): string | undefined {
  const counts = [sample.invocations, sample.errors, sample.throttles, sample.durationSumMs, ...sample.durationHistogram];
  if (sample.durationHistogram.length !== DURATION_BUCKETS_MS.length) {
    return `the duration histogram of version ${sample.versionId} at ${sample.bucket} has ${sample.durationHistogram.length} buckets, expected ${DURATION_BUCKETS_MS.length}`;
  }
  if (counts.some((count) => !Number.isFinite(count) || count < 0)) return `version ${sample.versionId} at ${sample.bucket} has a negative or non-numeric count`;
  if (sample.errors > sample.invocations) return `version ${sample.versionId} at ${sample.bucket} has more errors (${sample.errors}) than invocations (${sample.invocations})`;
  return undefined;
}

/**
 * The `count` most recent windows of `periodMs` ending at `now`, oldest first. A one-second bucket counts
 * in the window where it ends; the bucket still being filled counts in the newest window. So the newest
 * window holds the last complete seconds plus whatever of the current second has arrived: a 1 s alarm sees
 * the last full second at once instead of waiting for the next, and no bucket is counted twice.
 * Samples of versions in both lists count as new.
 */
export function cutWindows(samples: readonly MetricSample[], query: WindowQuery): { windows: MetricWindow[]; problem?: string } {
  const { now, periodMs, count } = query;
  const windows: MetricWindow[] = [];
  for (let index = count - 1; index >= 0; index--) {
    windows.push({ from: now - (index + 1) * periodMs, to: now - index * periodMs, current: emptyTotals(), baseline: emptyTotals() });
  }
  const newIds = new Set(query.newVersionIds);
  const baselineIds = new Set(query.baselineVersionIds);
  for (const sample of samples) {
    const side = newIds.has(sample.versionId) ? 'current' : baselineIds.has(sample.versionId) ? 'baseline' : undefined;
    if (side === undefined) continue;
    const countedAt = Math.min(sample.bucket + BUCKET_MS, now);
    const window = windows.find((candidate) => countedAt > candidate.from && countedAt <= candidate.to);
    if (window === undefined) continue;
    const problem = sampleProblem(sample);
    if (problem !== undefined) return { windows, problem };
    addSample(window[side], sample);
  }
  return { windows };
}

/** Adds a sample's counts and durations to the totals. */
export function addSample(totals: WindowTotals, sample: MetricSample): void {
  totals.invocations += sample.invocations;
  totals.errors += sample.errors;
  totals.throttles += sample.throttles;
  totals.durationSumMs += sample.durationSumMs;
  sample.durationHistogram.forEach((value, index) => (totals.histogram[index] += value));
}

const PERCENTILES: Partial<Record<AlarmMetric, number>> = { p50Duration: 0.5, p90Duration: 0.9, p99Duration: 0.99 };

/** The metric over a window; null when it cannot be computed (a rate or percentile without invocations). */
export function metricValue(metric: AlarmMetric, totals: WindowTotals): number | null {
  switch (metric) {
    case 'invocations':
      return totals.invocations;
    case 'errors':
      return totals.errors;
    case 'throttles':
      return totals.throttles;
    case 'errorRate':
      return totals.invocations === 0 ? null : totals.errors / totals.invocations;
    default:
      return percentileFromHistogram(totals.histogram, PERCENTILES[metric] ?? 0.99);
  }
}

/**
 * The q-quantile of durations, interpolated linearly inside the bucket it falls in (bucket i holds durations
 * from the previous bound up to DURATION_BUCKETS_MS[i]). In the last, unbounded bucket it is that bucket's
 * lower bound: a floor, which is enough to tell a duration alarm it breaches.
 */
export function percentileFromHistogram(histogram: readonly number[], q: number): number | null {
  const total = histogram.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (let index = 0; index < histogram.length; index++) {
    const count = histogram[index];
    if (count > 0 && below + count >= rank) {
      const lower = index === 0 ? 0 : DURATION_BUCKETS_MS[index - 1];
      const upper = DURATION_BUCKETS_MS[index];
      if (!Number.isFinite(upper)) return lower;
      return lower + ((upper - lower) * (rank - below)) / count;
    }
    below += count;
  }
  return DURATION_BUCKETS_MS[histogram.length - 2] ?? null;
}

/** How many requests reached the new versions in a window, for the minInvocations guard. */
export function guardCount(metric: AlarmMetric, totals: WindowTotals): number {
  // Throttled requests are not invocations; a version that throttles everything must still be judged.
  return metric === 'throttles' ? totals.invocations + totals.throttles : totals.invocations;
}
