// Health of the control plane, for load balancers, orchestrators and Prometheus. None of these routes needs a
// token (a probe carries none); they say nothing a caller could misuse, but /metrics names apps, stages and
// functions, so bind beyond loopback only behind something that restricts who scrapes (see the README).
// - GET /healthz: liveness, the process answers.
// - GET /readyz: readiness, the store answers a cheap query, the gateway process answers healthy, and the
//   master key opens the stored secrets; 503 with the reason otherwise.
// - GET /metrics: Prometheus text (the control plane's registry and the gateway's).

import type { Hono } from 'hono';
import type { Store } from '../store/index.js';
import type { GatewayControl, MetricsExposition } from './ports.js';

/** A probe that waits longer than this counts as failed: a hung store must not hang the probe. */
export const READINESS_TIMEOUT_MS = 2000;

export interface HealthDependencies {
  store: Pick<Store, 'getRoutingGeneration'>;
  gateway: Pick<GatewayControl, 'health'>;
  metrics?: MetricsExposition;
  /** Why the master key cannot be used (it does not open the stored secrets), or undefined when it can. */
  keyProblem?: () => string | undefined;
  timeoutMs?: number;
}

interface CheckResult {
  ok: boolean;
  reason?: string;
}

export function registerHealthRoutes(app: Hono, deps: HealthDependencies): void {
  const timeoutMs = deps.timeoutMs ?? READINESS_TIMEOUT_MS;

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    const [store, gateway] = await Promise.all([
      check(async () => void (await deps.store.getRoutingGeneration()), 'the store', timeoutMs),
      check(async () => {
        const health = await deps.gateway.health();
        if (!health.ok) throw new Error('it reports not ok');
      }, 'the gateway process', timeoutMs),
    ]);
    const keyProblem = deps.keyProblem?.();
    const checks = { store, gateway, masterKey: keyProblem === undefined ? { ok: true } : { ok: false, reason: keyProblem } };
    const failed = Object.values(checks).filter((result) => !result.ok);
    if (failed.length === 0) return c.json({ status: 'ready', checks });
    return c.json({ status: 'not ready', reason: failed.map((result) => result.reason).join('; '), checks }, 503);
  });

  app.get('/metrics', async (c) => {
    if (!deps.metrics) return c.text('# metrics are not enabled in this control plane\n', 404);
    const text = await deps.metrics.render();
    return c.body(text, 200, { 'content-type': deps.metrics.contentType });
  });
}

async function check(probe: () => Promise<void>, what: string, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([probe(), timeout]);
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `${what} is not ready: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    clearTimeout(timer);
  }
}
