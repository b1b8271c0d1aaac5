// The gateway process's own Prometheus metrics (prom-client, one registry per gateway): HTTP responses by
// status, invocations, errors, throttles and a duration histogram per function version, workers, and the
// process's default metrics under a `sluice_gateway_` prefix (so the control plane can append this text to
// its own `/metrics` without two families of the same name). Served at GET /_sluice/metrics.
// Label children are cached per version and per status, so the hot path builds no label keys.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DURATION_BUCKETS_MS } from '../store/types.js';
import type { LogOrigin } from './invocation-logs.js';
import type { InvocationResultKind } from './metrics-recorder.js';
import type { VersionTarget } from './route-table.js';

const FUNCTION_LABELS = ['app', 'stage', 'service', 'function', 'version'] as const;

interface VersionSeries {
  invocations: Counter.Internal;
  errors: Counter.Internal;
  throttles: Counter.Internal;
  duration: Histogram.Internal<(typeof FUNCTION_LABELS)[number]>;
}

export interface GatewayGauges {
  workers(): number;
  routedVersions(): number;
  routingGeneration(): number;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'status'>;
  private readonly invocations: Counter<(typeof FUNCTION_LABELS)[number]>;
  private readonly errors: Counter<(typeof FUNCTION_LABELS)[number]>;
  private readonly throttles: Counter<(typeof FUNCTION_LABELS)[number]>;
  private readonly duration: Histogram<(typeof FUNCTION_LABELS)[number]>;
  private readonly byVersion = new WeakMap<LogOrigin, VersionSeries>();
  private readonly byStatus = new Map<number, Counter.Internal>();

  constructor(gauges: GatewayGauges) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'sluice_gateway_' });
    this.requests = new Counter({ name: 'sluice_gateway_requests_total', help: 'HTTP responses of the gateway to function routes, by status code.', labelNames: ['status'], registers });
    this.invocations = new Counter({ name: 'sluice_function_invocations_total', help: 'Invocations that ran, per function version.', labelNames: FUNCTION_LABELS, registers });
    this.errors = new Counter({ name: 'sluice_function_errors_total', help: 'Invocations that failed (error, timeout, crash), per function version.', labelNames: FUNCTION_LABELS, registers });
    this.throttles = new Counter({ name: 'sluice_function_throttles_total', help: 'Invocations refused by the concurrency limit (429), per function version.', labelNames: FUNCTION_LABELS, registers });
    this.duration = new Histogram({
      name: 'sluice_function_duration_seconds',
      help: 'Duration of invocations that ran, per function version.',
      labelNames: FUNCTION_LABELS,
      buckets: DURATION_BUCKETS_MS.filter((ms) => Number.isFinite(ms)).map((ms) => ms / 1000),
      registers,
    });
    new Gauge({ name: 'sluice_gateway_workers', help: 'Function worker threads running.', registers, collect() { this.set(gauges.workers()); } });
    new Gauge({ name: 'sluice_gateway_routed_versions', help: 'Function versions the routing serves.', registers, collect() { this.set(gauges.routedVersions()); } });
    new Gauge({ name: 'sluice_gateway_routing_generation', help: 'Routing generation served.', registers, collect() { this.set(gauges.routingGeneration()); } });
  }

  invocation(target: VersionTarget, kind: InvocationResultKind, durationMs: number): void {
    const series = this.seriesOf(target);
    if (kind === 'throttle') {
      series.throttles.inc();
      return;
    }
    series.invocations.inc();
    if (kind === 'error') series.errors.inc();
    series.duration.observe(durationMs / 1000);
  }

  response(status: number): void {
    let child = this.byStatus.get(status);
    if (child === undefined) {
      child = this.requests.labels(String(status));
      this.byStatus.set(status, child);
    }
    child.inc();
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private seriesOf(target: VersionTarget): VersionSeries {
    let series = this.byVersion.get(target.origin);
    if (series === undefined) {
      const { app, stage, service, function: fn } = target.origin;
      const labels = [app, stage, service, fn, String(target.version.number)];
      series = {
        invocations: this.invocations.labels(...labels),
        errors: this.errors.labels(...labels),
        throttles: this.throttles.labels(...labels),
        duration: this.duration.labels(...labels),
      };
      this.byVersion.set(target.origin, series);
    }
    return series;
  }
}
