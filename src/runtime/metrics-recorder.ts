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

export class MetricsRecorder {
  private samples = new Map<string, MetricSample>();

  record(origin: LogOrigin, kind: InvocationResultKind, durationMs: number, at: number): void {
    const bucket = Math.floor(at / 1000) * 1000;
    const key = `${origin.app}/${origin.stage}/${origin.service}/${origin.function}@${origin.versionId}#${bucket}`;
    let sample = this.samples.get(key);
    if (sample === undefined) {
      sample = {
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
      this.samples.set(key, sample);
    }
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
    return this.samples.size;
  }

  /** Takes every sample aggregated so far (the store sums samples of the same bucket). */
  take(): MetricSample[] {
    const samples = [...this.samples.values()];
    this.samples = new Map();
    return samples;
  }
}
