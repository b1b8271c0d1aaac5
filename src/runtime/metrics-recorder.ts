// Aggregates invocation metrics in memory per function version and one-second bucket, and hands them
// out as MetricSamples for one batched `addMetrics` per flush interval. Pure: the caller passes times.
// Samples a failed write gives back wait for the next flush, within a bound: past it the oldest are
// dropped (and counted), because a rollout's analysis reads the most recent seconds.

import { DURATION_BUCKETS_MS, type MetricSample } from '../store/types.js';
import type { LogOrigin } from './invocation-logs.js';

/** Samples kept while the store does not take them: about 30 minutes of 10 busy versions. */
export const MAX_PENDING_METRIC_SAMPLES = 20_000;

export type InvocationResultKind = 'success' | 'error' | 'throttle';

/** Index of the first bucket whose bound is above the duration. */
export function durationBucket(durationMs: number): number {
  for (let i = 0; i < DURATION_BUCKETS_MS.length; i++) if (durationMs < DURATION_BUCKETS_MS[i]) return i;
  return DURATION_BUCKETS_MS.length - 1;
}

/** The sample a version is currently counting into; found per origin object, so no key is built per call. */
interface Series {
  take: number;
  bucket: number;
  sample: MetricSample;
}

export class MetricsRecorder {
  private readonly series = new WeakMap<LogOrigin, Series>();
  private pending: MetricSample[] = [];
  /** Incremented by take(): a series holding a sample from before starts a new one. */
  private takes = 0;
  private droppedSamples = 0;

  record(origin: LogOrigin, kind: InvocationResultKind, durationMs: number, at: number): void {
    const bucket = at - (at % 1000);
    let series = this.series.get(origin);
    if (series === undefined || series.bucket !== bucket || series.take !== this.takes) {
      series = { take: this.takes, bucket, sample: emptySample(origin, bucket) };
      this.series.set(origin, series);
      this.pending.push(series.sample);
    }
    const sample = series.sample;
    if (kind === 'throttle') {
      sample.throttles++;
      return;
    }
    sample.invocations++;
    if (kind === 'error') sample.errors++;
    sample.durationSumMs += durationMs;
    sample.durationHistogram[durationBucket(durationMs)]++;
  }

  get size(): number {
    return this.pending.length;
  }

  /** Gives back samples a write failed to store; they are taken again, before the newer ones. */
  putBack(samples: MetricSample[]): void {
    if (samples.length === 0) return;
    const merged = samples.concat(this.pending);
    const excess = merged.length - MAX_PENDING_METRIC_SAMPLES;
    if (excess > 0) {
      merged.splice(0, excess);
      this.droppedSamples += excess;
    }
    this.pending = merged;
  }

  /** Samples dropped by putBack since the last call. */
  takeDropped(): number {
    const dropped = this.droppedSamples;
    this.droppedSamples = 0;
    return dropped;
  }

  /** Takes every sample aggregated so far; the store sums samples that share a version and bucket. */
  take(): MetricSample[] {
    const samples = this.pending;
    this.pending = [];
    this.takes++;
    return samples;
  }
}

function emptySample(origin: LogOrigin, bucket: number): MetricSample {
  return {
    app: origin.app,
    stage: origin.stage,
    service: origin.service,
    function: origin.function,
    versionId: origin.versionId,
    bucket,
    invocations: 0,
    errors: 0,
    throttles: 0,
    durationSumMs: 0,
    durationHistogram: new Array<number>(DURATION_BUCKETS_MS.length).fill(0),
  };
}
