import { describe, expect, it } from 'vitest';
import { DURATION_BUCKETS_MS } from '../store/types.js';
import { durationBucket, MAX_PENDING_METRIC_SAMPLES, MetricsRecorder } from './metrics-recorder.js';

const origin = { app: 'a', stage: 's', service: 'svc', function: 'f', versionId: 'v1' };

describe('MetricsRecorder', () => {
  it('aggregates per version and one-second bucket', () => {
    const recorder = new MetricsRecorder();
    recorder.record(origin, 'success', 3, 10_100);
    recorder.record(origin, 'error', 40, 10_900);
    recorder.record(origin, 'throttle', 0, 10_950);
    recorder.record(origin, 'success', 1500, 11_000);
    recorder.record({ ...origin, versionId: 'v2' }, 'success', 0.5, 10_000);
    const v1again = recorder.take();
    recorder.record(origin, 'success', 2, 11_500);
    v1again.push(...recorder.take());
    expect(v1again.filter((s) => s.versionId === 'v1' && s.bucket === 11_000).map((s) => s.invocations)).toEqual([1, 1]);
    const samples = v1again.slice(0, 3);
    expect(samples).toHaveLength(3);
    const first = samples.find((s) => s.versionId === 'v1' && s.bucket === 10_000)!;
    expect(first).toMatchObject({ invocations: 2, errors: 1, throttles: 1, durationSumMs: 43 });
    expect(first.durationHistogram).toHaveLength(DURATION_BUCKETS_MS.length);
    expect(first.durationHistogram[durationBucket(3)]).toBe(1);
    expect(first.durationHistogram[durationBucket(40)]).toBe(1);
    expect(recorder.take()).toEqual([]);
  });

  it('puts a duration in the first bucket above it', () => {
    expect(durationBucket(0.5)).toBe(0);
    expect(durationBucket(1)).toBe(1);
    expect(durationBucket(19.9)).toBe(4);
    expect(durationBucket(1e9)).toBe(DURATION_BUCKETS_MS.length - 1);
  });

  it('takes samples given back before newer ones, dropping the oldest past the bound', () => {
    const recorder = new MetricsRecorder();
    recorder.record(origin, 'success', 1, 1_000);
    const failed = recorder.take();
    recorder.record(origin, 'success', 1, 2_000);
    recorder.putBack(failed);
    expect(recorder.take().map((s) => s.bucket)).toEqual([1_000, 2_000]);
    expect(recorder.takeDropped()).toBe(0);

    for (let second = 0; second < MAX_PENDING_METRIC_SAMPLES + 10; second++) recorder.record(origin, 'success', 1, second * 1000);
    const many = recorder.take();
    recorder.record(origin, 'success', 1, 1e9);
    recorder.putBack(many);
    const kept = recorder.take();
    expect(kept).toHaveLength(MAX_PENDING_METRIC_SAMPLES);
    expect(kept[0].bucket).toBe(11_000);
    expect(kept[kept.length - 1].bucket).toBe(1e9);
    expect(recorder.takeDropped()).toBe(11);
    expect(recorder.takeDropped()).toBe(0);
  });
});
