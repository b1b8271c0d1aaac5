// The control-plane API as an object for tests (no port): a real store in a temporary folder, the real
// engine and rollout driver on a fake clock, and fakes for the gateway. Requests go through `app.request`.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { EventBus, FakeClock, RolloutDriver, type EngineContext } from '../../engine/index.js';
import { createSecretBox } from '../../secrets/index.js';
import { openStore, type Store } from '../../store/index.js';
import { Pipeline } from '../../pipeline/index.js';
import { createApiApp } from '../api-app.js';
import type { GatewayControl } from '../ports.js';

export interface ApiHarness {
  app: Hono;
  store: Store;
  engine: EngineContext;
  clock: FakeClock;
  /** Sends a request with an optional bearer token and JSON body. */
  call(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  close(): Promise<void>;
}

export async function startApiHarness(options: { bootstrapToken?: string; loopback?: boolean; dashboardDir?: string } = {}): Promise<ApiHarness> {
  const home = await mkdtemp(join(tmpdir(), 'sluice-api-'));
  const store = await openStore({ home });
  const clock = new FakeClock(1_700_000_000_000);
  const gatewayUrl = 'http://127.0.0.1:4601';
  const engine: EngineContext = {
    store,
    secrets: createSecretBox(randomBytes(32)),
    routing: { routingChanged: async () => undefined },
    invoker: { invoke: async () => ({ result: null }) },
    events: new EventBus(),
    gatewayUrl,
    env: {},
    region: 'local',
    now: () => clock.now(),
  };
  const gateway: GatewayControl = {
    url: gatewayUrl,
    invoke: async (request) => ({ requestId: 'r', versionId: request.versionId ?? 'v', versionNumber: 1, durationMs: 1, result: null }),
    health: async () => ({ ok: true, generation: 0 }),
  };
  const rollouts = new RolloutDriver(engine, { clock });
  // Not started: its routes answer from the store; nothing is watched or run in the background.
  const pipeline = new Pipeline({ engine, rollouts, dir: join(home, 'pipeline'), clock, apiUrl: () => 'http://127.0.0.1:4600' });
  const app = createApiApp({ engine, rollouts, gateway, token: options.bootstrapToken, loopback: options.loopback ?? true, version: 'test', dashboardDir: options.dashboardDir, pipeline });
  return {
    app,
    store,
    engine,
    clock,
    call(method, path, { token, body, headers = {} } = {}) {
      const all: Record<string, string> = { ...headers };
      if (token !== undefined) all.authorization = `Bearer ${token}`;
      if (body !== undefined) all['content-type'] = 'application/json';
      return Promise.resolve(app.request(path, { method, headers: all, body: body === undefined ? undefined : JSON.stringify(body) }));
    },
    async close() {
      rollouts.stop();
      await store.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}
