// The gateway against a store that goes away (a PostgreSQL restart), with no control plane at all: it keeps
// serving the last routing, buffers logs and metrics and writes them exactly once when the store is back,
// and reports each outage once, not once per tick.
// Needs the built worker (npx tsc -p tsconfig.json) — see worker-file.ts.

import { afterEach, describe, expect, it } from 'vitest';
import { READING_ROUTING } from './gateway-server.js';
import { WRITING_LOGS, WRITING_METRICS } from './telemetry-flusher.js';
import { startTestGateway, type GatewayHarness } from './testing/gateway-harness.js';

const APP = { app: 'shop', stage: 'dev', service: 'api' };
const ROUTES = [{ type: 'http' as const, method: 'GET' as const, path: '/v' }];
const code = (label: string) => `export const handler = async (event, context) => { console.log('served ${label}'); return { statusCode: 200, body: '${label}' }; };`;

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('store outage', () => {
  it('keeps serving the last routing, reports the outage once and writes everything it buffered exactly once afterwards', async () => {
    const errors: string[] = [];
    const recovered: Array<[string, number]> = [];
    const h = (harness = await startTestGateway((store) => store.publish({ ...APP, function: 'f', code: code('v1'), config: { events: ROUTES } }), {
      pollIntervalMs: 10,
      flushIntervalMs: 10,
      onError: (_error, during) => errors.push(during),
      onRecovered: (during, failedAttempts) => recovered.push([during, failedAttempts]),
    }));
    const get = async () => {
      const response = await h.request('/shop/dev/api/v');
      return `${response.status} ${await response.text()}`;
    };
    expect(await get()).toBe('200 v1');
    const store = h.store;
    const served = (label: string) => store.logs.filter((l) => l.message === `served ${label}`).length;
    const invocations = () => store.metrics.filter((m) => m.function === 'f').reduce((n, m) => n + m.invocations, 0);
    await store.waitUntil(() => (served('v1') === 1 && invocations() === 1) || undefined);

    store.setUnavailable(true);
    // A new version is published while the store is down for the gateway: it cannot know yet.
    store.publish({ ...APP, function: 'f', code: code('v2'), config: { events: ROUTES } });
    for (let i = 0; i < 30; i++) expect(await get()).toBe('200 v1');
    const failed = (method: string) => store.failedCalls[method] ?? 0;
    await store.waitUntil(() => (failed('getRoutingGeneration') >= 5 && failed('addMetrics') >= 3 && failed('appendLogs') >= 3) || undefined);
    await expect(h.gateway.reload()).rejects.toThrow(/ECONNREFUSED/);
    expect(await get()).toBe('200 v1');
    expect(errors.filter((e) => e === READING_ROUTING)).toHaveLength(1);
    expect(errors.filter((e) => e === WRITING_LOGS)).toHaveLength(1);
    expect(errors.filter((e) => e === WRITING_METRICS)).toHaveLength(1);
    expect(served('v1')).toBe(1);

    store.setUnavailable(false);
    await store.waitUntil(() => (served('v1') === 32 && invocations() === 32) || undefined);
    await expect.poll(get).toBe('200 v2');
    expect(recovered.map(([during]) => during).sort()).toEqual([READING_ROUTING, WRITING_LOGS, WRITING_METRICS].sort());
    for (const [, attempts] of recovered) expect(attempts).toBeGreaterThanOrEqual(3);
    expect(errors).toHaveLength(3);
  });
});
