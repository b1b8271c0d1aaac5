// The flusher against a store whose writes fail: nothing is lost within the bounds, nothing is written
// twice, and each outage is reported once.

import { describe, expect, it } from 'vitest';
import type { LogEntry, MetricSample } from '../store/types.js';
import { FailureEpisodes } from './failure-episodes.js';
import { InvocationLogs } from './invocation-logs.js';
import { MetricsRecorder } from './metrics-recorder.js';
import { LOG_LINES_PER_WRITE, METRIC_SAMPLES_PER_WRITE, TelemetryFlusher, WRITING_LOGS, WRITING_METRICS } from './telemetry-flusher.js';

const origin = { app: 'a', stage: 's', service: 'svc', function: 'f', versionId: 'v1' };

/** A store whose next writes fail as scripted: `fail.appendLogs = [2]` fails the second call from now. */
function scriptedStore() {
  const store = {
    logs: [] as LogEntry[],
    metrics: [] as MetricSample[],
    calls: { appendLogs: 0, addMetrics: 0 },
    failing: { appendLogs: new Set<number>(), addMetrics: new Set<number>() },
    down: false,
    async appendLogs(entries: LogEntry[]) {
      const call = ++store.calls.appendLogs;
      if (store.down || store.failing.appendLogs.has(call)) throw new Error('connection reset');
      expect(entries.length).toBeLessThanOrEqual(LOG_LINES_PER_WRITE);
      store.logs.push(...entries);
    },
    async addMetrics(samples: MetricSample[]) {
      const call = ++store.calls.addMetrics;
      if (store.down || store.failing.addMetrics.has(call)) throw new Error('connection reset');
      expect(samples.length).toBeLessThanOrEqual(METRIC_SAMPLES_PER_WRITE);
      store.metrics.push(...samples);
    },
  };
  return store;
}

function setup() {
  const store = scriptedStore();
  const logs = new InvocationLogs(() => 0);
  const metrics = new MetricsRecorder();
  const reported: string[] = [];
  const recovered: Array<[string, number]> = [];
  const episodes = new FailureEpisodes(
    (_error, during) => reported.push(during),
    (during, attempts) => recovered.push([during, attempts]),
  );
  const flusher = new TelemetryFlusher(store, logs, metrics, episodes, (_error, during) => reported.push(during));
  return { store, logs, metrics, reported, recovered, flusher };
}

describe('TelemetryFlusher', () => {
  it('retries from the batch that failed, so every line and sample is stored exactly once, in order', async () => {
    const { store, logs, metrics, flusher } = setup();
    for (let i = 0; i < 2500; i++) logs.add(origin, `r${i}`, 'log', `line ${i}`);
    for (let second = 0; second < 1200; second++) metrics.record(origin, 'success', 1, second * 1000);
    store.failing.appendLogs.add(2);
    store.failing.addMetrics.add(3);
    await flusher.flush();
    expect(store.logs).toHaveLength(1000);
    expect(store.metrics).toHaveLength(1000);
    await flusher.flush();
    expect(store.logs.map((e) => e.message)).toEqual(Array.from({ length: 2500 }, (_, i) => `line ${i}`));
    expect(store.metrics.map((s) => s.bucket)).toEqual(Array.from({ length: 1200 }, (_, i) => i * 1000));
  });

  it('reports an outage once, however many flushes fail, and its end once', async () => {
    const { store, logs, metrics, reported, recovered, flusher } = setup();
    store.down = true;
    for (let tick = 0; tick < 5; tick++) {
      logs.add(origin, `r${tick}`, 'log', `line ${tick}`);
      metrics.record(origin, 'success', 1, tick * 1000);
      await flusher.flush();
    }
    expect(reported).toEqual([WRITING_METRICS, WRITING_LOGS]);
    store.down = false;
    await flusher.flush();
    expect(store.logs.map((e) => e.message)).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
    expect(store.metrics.map((s) => s.bucket)).toEqual([0, 1000, 2000, 3000, 4000]);
    expect(recovered).toEqual([[WRITING_METRICS, 5], [WRITING_LOGS, 5]]);
    expect(reported).toHaveLength(2);
  });

  it('drops log lines the store refuses while it takes metrics, so they cannot block later lines', async () => {
    const { store, logs, metrics, reported, flusher } = setup();
    logs.add(origin, 'r1', 'log', 'poison \u0000');
    metrics.record(origin, 'success', 1, 0);
    store.failing.appendLogs.add(1);
    await flusher.flush();
    logs.add(origin, 'r2', 'log', 'fine');
    await flusher.flush();
    expect(store.logs.map((e) => e.message)).toEqual(['fine']);
    expect(reported).toEqual([WRITING_LOGS, expect.stringMatching(/refused 1 log lines, which are dropped/)]);
  });
});
