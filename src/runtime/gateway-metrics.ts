// The gateway process's own Prometheus metrics (prom-client, one registry per gateway): HTTP responses by
// status, invocations, errors, throttles and a duration histogram per function version, workers, and the
// process's default metrics under a `sluice_gateway_` prefix (so the control plane can append this text to
// its own `/metrics` without two families of the same name). Served at GET /_sluice/metrics.
// The hot path only adds to plain numbers: the counters take them at scrape time (their `collect`), because
// prom-client builds and hashes a label key on every inc() even through a cached child, and the duration
// histogram renders itself (function-duration-histogram.ts) for the same reason.

import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { DURATION_BUCKETS_MS } from '../store/types.js';
import { FunctionDurationHistogram, type DurationSeries } from './function-duration-histogram.js';
import type { InvocationResultKind } from './metrics-recorder.js';
import type { VersionTarget } from './route-table.js';

const FUNCTION_LABELS = ['app', 'stage', 'service', 'function', 'version'] as const;

type Tally = 'invocations' | 'errors' | 'throttles';

interface VersionSeries {
  labels: string[];
  counted: Record<Tally, number>;
  /** What the counters already hold. */
  reported: Record<Tally, number>;
  duration: DurationSeries;
}

/** Node's status codes are 100-999. */
const STATUS_CODES = 1000;

export interface GatewayGauges {
  workers(): number;
  routedVersions(): number;
  routingGeneration(): number;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly duration: FunctionDurationHistogram;
  /**
   * Per version, by pool key: a reload builds new targets (and a commit alias its own) for a version whose
   * series must go on, under the same labels.
   */
  private readonly versions = new Map<string, VersionSeries>();
  private readonly responses = new Float64Array(STATUS_CODES);
  private readonly reportedResponses = new Float64Array(STATUS_CODES);

  constructor(gauges: GatewayGauges) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'sluice_gateway_' });
    const responses = this.responses;
    const reportedResponses = this.reportedResponses;
    new Counter({
      name: 'sluice_gateway_requests_total',
      help: 'HTTP responses of the gateway to function routes, by status code.',
      labelNames: ['status'],
      registers,
      collect() {
        for (let status = 0; status < STATUS_CODES; status++) {
          const delta = responses[status] - reportedResponses[status];
          if (delta === 0) continue;
          this.inc({ status: String(status) }, delta);
          reportedResponses[status] = responses[status];
        }
      },
    });
    const versions = this.versions;
    const functionCounter = (name: string, help: string, tally: Tally) =>
      new Counter({
        name,
        help,
        labelNames: FUNCTION_LABELS,
        registers,
        collect() {
          for (const series of versions.values()) {
            const delta = series.counted[tally] - series.reported[tally];
            if (delta === 0) continue;
            this.labels(...series.labels).inc(delta);
            series.reported[tally] = series.counted[tally];
          }
        },
      });
    functionCounter('sluice_function_invocations_total', 'Invocations that ran, per function version.', 'invocations');
    functionCounter('sluice_function_errors_total', 'Invocations that failed (error, timeout, crash), per function version.', 'errors');
    functionCounter('sluice_function_throttles_total', 'Invocations refused by the concurrency limit (429), per function version.', 'throttles');
    this.duration = new FunctionDurationHistogram(
      'sluice_function_duration_seconds',
      'Duration of invocations that ran, per function version.',
      DURATION_BUCKETS_MS.filter((ms) => Number.isFinite(ms)).map((ms) => ms / 1000),
    );
    new Gauge({ name: 'sluice_gateway_workers', help: 'Function worker threads running.', registers, collect() { this.set(gauges.workers()); } });
    new Gauge({ name: 'sluice_gateway_routed_versions', help: 'Function versions the routing serves.', registers, collect() { this.set(gauges.routedVersions()); } });
    new Gauge({ name: 'sluice_gateway_routing_generation', help: 'Routing generation served.', registers, collect() { this.set(gauges.routingGeneration()); } });
  }

  invocation(target: VersionTarget, kind: InvocationResultKind, durationMs: number): void {
    const series = this.seriesOf(target);
    if (kind === 'throttle') {
      series.counted.throttles++;
      return;
    }
    series.counted.invocations++;
    if (kind === 'error') series.counted.errors++;
    this.duration.observe(series.duration, durationMs / 1000);
  }

  response(status: number): void {
    this.responses[status]++;
  }

  async render(): Promise<string> {
    return `${await this.registry.metrics()}\n${this.duration.render()}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private seriesOf(target: VersionTarget): VersionSeries {
    let series = this.versions.get(target.poolKey);
    if (series === undefined) {
      const { app, stage, service, function: fn } = target.origin;
      const labels = [app, stage, service, fn, String(target.version.number)];
      series = {
        labels,
        counted: { invocations: 0, errors: 0, throttles: 0 },
        reported: { invocations: 0, errors: 0, throttles: 0 },
        duration: this.duration.addSeries(FUNCTION_LABELS.map((name, i) => [name, labels[i]] as const)),
      };
      this.versions.set(target.poolKey, series);
    }
    return series;
  }
}
