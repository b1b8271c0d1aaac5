import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { registerHealthRoutes, type HealthDependencies } from './health-routes.js';

function app(overrides: Partial<HealthDependencies> = {}): Hono {
  const api = new Hono();
  registerHealthRoutes(api, {
    store: { getRoutingGeneration: async () => 3 },
    gateway: { health: async () => ({ ok: true, generation: 3 }) },
    metrics: { contentType: 'text/plain; version=0.0.4; charset=utf-8', render: async () => 'sluice_info 1\n' },
    timeoutMs: 50,
    ...overrides,
  });
  return api;
}

describe('health routes', () => {
  it('answers liveness and readiness when the store and the gateway answer', async () => {
    expect(await (await app().request('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await app().request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { store: { ok: true }, gateway: { ok: true }, masterKey: { ok: true } } });
  });

  it('is not ready, with the reasons, when the store fails, the gateway hangs or the key opens nothing', async () => {
    const broken = app({
      store: { getRoutingGeneration: async () => Promise.reject(new Error('connection refused')) },
      gateway: { health: () => new Promise(() => undefined) },
      keyProblem: () => 'the master key abc opens none of the 2 stored secrets',
    });
    const response = await broken.request('/readyz');
    expect(response.status).toBe(503);
    const body = (await response.json()) as { status: string; reason: string; checks: Record<string, { ok: boolean }> };
    expect(body.status).toBe('not ready');
    expect(body.reason).toContain('the store is not ready: connection refused');
    expect(body.reason).toContain('the gateway process is not ready: no answer within 50 ms');
    expect(body.reason).toContain('opens none of the 2 stored secrets');
    expect(Object.values(body.checks).map((c) => c.ok)).toEqual([false, false, false]);
  });

  it('is not ready when the gateway reports not ok', async () => {
    const response = await app({ gateway: { health: async () => ({ ok: false, generation: 0 }) } }).request('/readyz');
    expect(response.status).toBe(503);
  });

  it('serves the metrics text with the Prometheus content type', async () => {
    const response = await app().request('/metrics');
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await response.text()).toBe('sluice_info 1\n');
  });
});
