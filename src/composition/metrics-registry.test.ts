import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../engine/index.js';
import type { EventRecord } from '../store/index.js';
import { createControlPlaneMetrics, type ControlPlaneMetrics } from './metrics-registry.js';

let metrics: ControlPlaneMetrics | undefined;
afterEach(() => metrics?.close());

const event = (type: string): EventRecord => ({ id: 1, ts: 0, type, actor: 'sluice', app: 'a', stage: 's', service: 'x', payload: {} });

function setup(gatewayMetrics: () => Promise<string> = async () => 'sluice_gateway_workers 2\n') {
  const bus = new EventBus();
  metrics = createControlPlaneMetrics({ events: bus, store: { listActiveRollouts: async () => [{} as never, {} as never] }, gatewayMetrics, version: '0.1.0', dialect: 'sqlite' });
  return { bus, metrics };
}

describe('control-plane metrics', () => {
  it('counts rollouts, lease takeovers, runs and every event type from the event bus', async () => {
    const { bus, metrics } = setup();
    for (const type of ['rollout.started', 'rollout.started', 'rollout.step', 'rollout.succeeded', 'rollout.failed', 'rollout.finished', 'lease.takeover', 'run.started', 'run.succeeded']) bus.publish(event(type));
    const text = await metrics.render();
    expect(text).toContain('sluice_rollouts_started_total 2');
    expect(text).toContain('sluice_rollouts_finished_total{outcome="succeeded"} 1');
    expect(text).toContain('sluice_rollouts_finished_total{outcome="failed"} 1');
    expect(text).toContain('sluice_rollouts_finished_total{outcome="aborted"} 0');
    expect(text).toContain('sluice_rollouts_active 2');
    expect(text).toContain('sluice_lease_takeovers_total 1');
    expect(text).toContain('sluice_pipeline_runs_started_total 1');
    expect(text).toContain('sluice_pipeline_runs_finished_total{outcome="succeeded"} 1');
    expect(text).toContain('sluice_events_total{type="rollout.step"} 1');
    expect(text).toContain('sluice_info{version="0.1.0",store="sqlite"} 1');
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });

  it('counts deploys by outcome and appends the gateway text, or reports the gateway down', async () => {
    const { metrics } = setup();
    metrics.deployFinished('changed', 1200);
    metrics.deployFinished('failed', 30);
    const text = await metrics.render();
    expect(text).toContain('sluice_deploys_total{outcome="changed"} 1');
    expect(text).toContain('sluice_deploys_total{outcome="unchanged"} 0');
    expect(text).toContain('sluice_deploy_duration_seconds_count 2');
    expect(text).toContain('sluice_gateway_up 1');
    expect(text.endsWith('sluice_gateway_workers 2\n')).toBe(true);

    metrics.close();
    const down = setup(async () => Promise.reject(new Error('refused'))).metrics;
    const without = await down.render();
    expect(without).toContain('sluice_gateway_up 0');
    expect(without).not.toContain('sluice_gateway_workers');
  });

  it('stops counting once closed', async () => {
    const { bus, metrics } = setup();
    metrics.close();
    bus.publish(event('rollout.started'));
    expect(await metrics.render()).toContain('sluice_rollouts_started_total 0');
  });
});
