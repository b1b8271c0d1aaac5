// The control plane's Prometheus metrics (prom-client, one registry per control plane), served at GET
// /metrics with the gateway process's own text appended (fetched with the internal token).
// Most counters come from the engine's EventBus: every event type is counted, and rollouts, lease
// takeovers and pipeline runs get named counters from their event types, so a part that records events
// is counted without code here. Counters are per process (each control plane counts what it did);
// `sluice_rollouts_active` reads the store, so every process reports the same.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventBus } from '../engine/index.js';
import type { DeployObserver, MetricsExposition } from '../server/index.js';
import type { Store } from '../store/index.js';

const ROLLOUT_OUTCOMES = ['succeeded', 'failed', 'aborted'] as const;
const DEPLOY_OUTCOMES = ['changed', 'unchanged', 'failed'] as const;

export interface ControlPlaneMetrics extends MetricsExposition {
  readonly registry: Registry;
  deployFinished: DeployObserver;
  /** Stops counting events. */
  close(): void;
}

export interface MetricsSources {
  events: EventBus;
  store: Pick<Store, 'listActiveRollouts'>;
  /** The gateway's Prometheus text; a failure shows as sluice_gateway_up 0. */
  gatewayMetrics(): Promise<string>;
  version: string;
  dialect: string;
}

export function createControlPlaneMetrics(sources: MetricsSources): ControlPlaneMetrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  new Gauge({ name: 'sluice_info', help: 'Version and store of this control plane (always 1).', labelNames: ['version', 'store'], registers }).set({ version: sources.version, store: sources.dialect }, 1);
  const events = new Counter({ name: 'sluice_events_total', help: 'Events recorded or published by this process, by type (deployment.*, rollout.*, secret.*, lease.*, …).', labelNames: ['type'], registers });
  const rolloutsStarted = new Counter({ name: 'sluice_rollouts_started_total', help: 'Rollouts started by this process.', registers });
  const rolloutsFinished = new Counter({ name: 'sluice_rollouts_finished_total', help: 'Rollouts that ended in this process, by outcome.', labelNames: ['outcome'], registers });
  const leaseTakeovers = new Counter({ name: 'sluice_lease_takeovers_total', help: 'Leases this process took over from a process that stopped renewing them (lease.takeover events).', registers });
  const runsStarted = new Counter({ name: 'sluice_pipeline_runs_started_total', help: 'Pipeline runs started (run.started events; none until pipelines record runs).', registers });
  const runsFinished = new Counter({ name: 'sluice_pipeline_runs_finished_total', help: 'Pipeline runs that ended, by outcome (run.<outcome> events; none until pipelines record runs).', labelNames: ['outcome'], registers });
  const deploys = new Counter({ name: 'sluice_deploys_total', help: 'Deploy requests this process handled, by outcome (changed: new versions; unchanged: nothing to do).', labelNames: ['outcome'], registers });
  const deployDuration = new Histogram({ name: 'sluice_deploy_duration_seconds', help: 'Duration of deploy requests, including waiting for rollouts with --wait.', buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900], registers });
  const gatewayUp = new Gauge({ name: 'sluice_gateway_up', help: 'Whether the gateway process answered the last metrics scrape (1) or not (0).', registers });
  const store = sources.store;
  new Gauge({
    name: 'sluice_rollouts_active',
    help: 'Rollouts in progress (from the store: the same in every process).',
    registers,
    async collect() {
      this.set((await store.listActiveRollouts()).length);
    },
  });
  for (const outcome of ROLLOUT_OUTCOMES) rolloutsFinished.labels(outcome).inc(0);
  for (const outcome of DEPLOY_OUTCOMES) deploys.labels(outcome).inc(0);

  const unsubscribe = sources.events.subscribe((event) => {
    events.labels(event.type).inc();
    const [area, kind] = splitType(event.type);
    if (area === 'rollout' && kind === 'started') rolloutsStarted.inc();
    else if (area === 'rollout' && (ROLLOUT_OUTCOMES as readonly string[]).includes(kind)) rolloutsFinished.labels(kind).inc();
    else if (area === 'lease' && kind === 'takeover') leaseTakeovers.inc();
    else if (area === 'run' && kind === 'started') runsStarted.inc();
    else if (area === 'run' && kind !== '') runsFinished.labels(kind).inc();
  });

  return {
    registry,
    get contentType() {
      return registry.contentType;
    },
    deployFinished(outcome, durationMs) {
      deploys.labels(outcome).inc();
      deployDuration.observe(durationMs / 1000);
    },
    async render() {
      let gatewayText = '';
      try {
        gatewayText = await sources.gatewayMetrics();
        gatewayUp.set(1);
      } catch {
        gatewayUp.set(0);
      }
      const own = await registry.metrics();
      return gatewayText ? `${own.endsWith('\n') ? own : `${own}\n`}${gatewayText}` : own;
    },
    close: () => void unsubscribe(),
  };
}

function splitType(type: string): [string, string] {
  const dot = type.indexOf('.');
  return dot === -1 ? [type, ''] : [type.slice(0, dot), type.slice(dot + 1)];
}
