// Test fixtures for rollout analysis: per-second MetricSamples built from invocation counts and durations,
// and alarms with the manifest's defaults. Used only by tests; kept here so every rollout test shares them.
import { DURATION_BUCKETS_MS, type MetricSample } from '../../../store/types.js';
import type { AlarmSpec } from '../types.js';

/** 10:00:00 UTC on a fixed day, so window times read like 10:00:01–10:00:11 in reasons. */
export const T0 = Date.UTC(2025, 0, 1, 10, 0, 0);

export interface SampleShape {
  invocations?: number;
  errors?: number;
  throttles?: number;
  /** One duration per invocation, or one duration for all of them. */
  durationMs?: number | number[];
}

export function sample(versionId: string, bucket: number, shape: SampleShape = {}): MetricSample {
  const invocations = shape.invocations ?? 0;
  const durations = Array.isArray(shape.durationMs) ? shape.durationMs : new Array<number>(invocations).fill(shape.durationMs ?? 5);
  const histogram = new Array<number>(DURATION_BUCKETS_MS.length).fill(0);
  for (const duration of durations) histogram[DURATION_BUCKETS_MS.findIndex((bound) => duration < bound)]++;
  return {
    app: 'shop',
    stage: 'prod',
    service: 'api',
    function: 'submit',
    versionId,
    bucket,
    invocations,
    errors: shape.errors ?? 0,
    throttles: shape.throttles ?? 0,
    durationSumMs: durations.reduce((sum, value) => sum + value, 0),
    durationHistogram: histogram,
  };
}

/** One sample per second for `seconds` seconds starting at `from`. */
export function everySecond(versionId: string, from: number, seconds: number, shape: SampleShape): MetricSample[] {
  return Array.from({ length: seconds }, (_, index) => sample(versionId, from + index * 1000, shape));
}

export function alarm(overrides: Partial<AlarmSpec> = {}): AlarmSpec {
  return {
    name: 'errorRate > 0.05',
    metric: 'errorRate',
    threshold: 0.05,
    comparison: 'GreaterThanThreshold',
    periodMs: 1000,
    evaluationPeriods: 1,
    datapointsToAlarm: overrides.evaluationPeriods ?? 1,
    treatMissingData: 'missing',
    minInvocations: 10,
    ...overrides,
  };
}
