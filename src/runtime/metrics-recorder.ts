// Aggregates invocation metrics in memory per function version and one-second bucket, and hands them
// out as MetricSamples for one batched `addMetrics` per flush interval. Pure: the caller passes times.

import { DURATION_BUCKETS_MS, type MetricSample } from '../store/types.js';
import type { LogOrigin } from './invocation-logs.js';

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
