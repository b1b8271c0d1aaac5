// Writes buffered function logs and metric samples to the store, one flush at a time. Each store call
// carries at most one statement's worth of rows, so a failure never leaves half a call stored: the batch
// that failed and the ones after it go back into the bounded buffers and are retried at the next flush
// (a PostgreSQL restart loses nothing that fits the bounds). Failures are reported once per episode.
// Retrying a call whose first statements were stored would store them twice; batching per statement is
// what makes the retry exact.

import type { FailureEpisodes } from './failure-episodes.js';
import type { InvocationLogs } from './invocation-logs.js';
import type { MetricsRecorder } from './metrics-recorder.js';
import { MAX_PENDING_METRIC_SAMPLES } from './metrics-recorder.js';
import type { RuntimeStore } from './runtime-store.js';

/** Rows per store call: the store writes up to this many in one statement (see src/store/telemetry-queries.ts). */
export const LOG_LINES_PER_WRITE = 1000;
export const METRIC_SAMPLES_PER_WRITE = 500;

export const WRITING_LOGS = 'writing function logs to the store (kept in memory and retried)';
export const WRITING_METRICS = 'writing metrics to the store (kept in memory and retried)';

export class TelemetryFlusher {
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: Pick<RuntimeStore, 'appendLogs' | 'addMetrics'>,
    private readonly logs: InvocationLogs,
    private readonly metrics: MetricsRecorder,
    private readonly episodes: FailureEpisodes,
    private readonly onError: (error: unknown, during: string) => void,
  ) {}

  /** Writes what is buffered; while a flush runs, resolves with that one. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    const logs = this.logs.take();
    const metrics = this.metrics.take();
    if (logs.length === 0 && metrics.length === 0) return Promise.resolve();
    this.flushing = this.write(logs, metrics).finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Waits for a running flush, then writes what is left. */
  async drain(): Promise<void> {
    await this.flushing;
    await this.flush();
  }

  private async write(logs: Parameters<RuntimeStore['appendLogs']>[0], metrics: Parameters<RuntimeStore['addMetrics']>[0]): Promise<void> {
    // Metrics first: a rollout's analysis waits for them.
    const metricsFailed = await this.inBatches(metrics, METRIC_SAMPLES_PER_WRITE, (batch) => this.store.addMetrics(batch), (rest) => this.metrics.putBack(rest), WRITING_METRICS);
    const dropped = this.metrics.takeDropped();
    if (dropped > 0) this.onError(new Error(`${dropped} metric samples were dropped: more than ${MAX_PENDING_METRIC_SAMPLES} waited for the store.`), WRITING_METRICS);
    // Log lines the store refuses while it takes metrics are refused for what they hold (PostgreSQL text
    // cannot hold U+0000, for one), and retrying them would block every later line: they are dropped.
    const storeAnswers = metrics.length > 0 && !metricsFailed;
    await this.inBatches(
      logs,
      LOG_LINES_PER_WRITE,
      (batch) => this.store.appendLogs(batch),
      (rest, error) => {
        if (!storeAnswers) this.logs.putBack(rest);
        else this.onError(error, `writing function logs: the store took metrics but refused ${rest.length} log lines, which are dropped`);
      },
      WRITING_LOGS,
    );
  }

  /** Writes the rows in batches; on a failure gives back the rest and returns true. */
  private async inBatches<T>(rows: T[], size: number, write: (batch: T[]) => Promise<void>, putBack: (rest: T[], error: unknown) => void, during: string): Promise<boolean> {
    if (rows.length === 0) return false;
    for (let start = 0; start < rows.length; start += size) {
      try {
        await write(start === 0 && rows.length <= size ? rows : rows.slice(start, start + size));
      } catch (error) {
        this.episodes.failed(during, error);
        putBack(start === 0 ? rows : rows.slice(start), error);
        return true;
      }
    }
    this.episodes.succeeded(during);
    return false;
  }
}
