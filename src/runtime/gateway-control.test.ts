// Control endpoints, reloads, weighted routing, schedules and tables through a real gateway.
// Needs the built worker (npx tsc -p tsconfig.json) — see worker-file.ts.

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { table } from './tables-client.js';
import { startTestGateway, type GatewayHarness } from './testing/gateway-harness.js';
import { seededRandom } from './testing/seeded-random.js';
import type { MemoryRuntimeStore } from './testing/memory-runtime-store.js';

const APP = { app: 'shop', stage: 'dev', service: 'api' };
const http = (method: string, path: string) => ({ type: 'http' as const, method: method as 'GET', path });

/** A handler answering its label; with `releaseFile`, a `?hold` request waits until that file exists. */
function versionHandler(label: string, options: { releaseFile?: string } = {}): string {
  return `
import { existsSync } from 'node:fs';
export const handler = async (event) => {
  if (${JSON.stringify(options.releaseFile ?? '')} && event.rawQueryString === 'hold') {
    console.log('holding');
    while (!existsSync(${JSON.stringify(options.releaseFile ?? '')})) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { statusCode: 200, body: '${label}' };
};`;
}

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(setup: (store: MemoryRuntimeStore) => void, options?: Parameters<typeof startTestGateway>[1]): Promise<GatewayHarness> {
  harness = await startTestGateway(setup, options);
  return harness;
}

describe('control endpoints', () => {
  it('serves health without a token and guards the others with it', async () => {
    const h = await start((store) => store.publish({ ...APP, function: 'f', code: versionHandler('v1'), config: { events: [http('GET', '/v')] } }));
    const health = await h.request('/_sluice/health');
    expect(await health.json()).toEqual({ ok: true, generation: 1, versions: 1, workers: 0, bootstrapTokenId: null });

    for (const path of ['/_sluice/reload', '/_sluice/invoke']) {
      const denied = await h.request(path, { method: 'POST', headers: { 'x-sluice-internal-token': 'wrong' } });
      expect(denied.status).toBe(401);
      expect((await denied.json()).code).toBe('UNAUTHORIZED');
      expect((await h.request(path, { method: 'POST' })).status).toBe(401);
    }
  });

  it('reloads on request and answers only once the new version is served', async () => {
    const h = await start((store) => store.publish({ ...APP, function: 'f', code: versionHandler('v1'), config: { events: [http('GET', '/v')] } }));
    expect(await (await h.request('/shop/dev/api/v')).text()).toBe('v1');
    h.store.publish({ ...APP, function: 'f', code: versionHandler('v2'), config: { events: [http('GET', '/v')] } });
    const reload = await h.request('/_sluice/reload', { method: 'POST', headers: { 'x-sluice-internal-token': h.token } });
    expect(await reload.json()).toEqual({ generation: 2 });
    expect(await (await h.request('/shop/dev/api/v')).text()).toBe('v2');
  });

  it('invokes the live version directly', async () => {
    const h = await start((store) => {
      store.publish({ ...APP, function: 'sum', code: 'export const handler = async (event, context) => ({ sum: event.a + event.b, version: context.functionVersion });' });
      store.publish({ ...APP, function: 'boom', code: 'export const handler = async () => { throw new TypeError("bad input"); };' });
    });
    const invoke = (body: unknown) =>
      h.request('/_sluice/invoke', { method: 'POST', headers: { 'x-sluice-internal-token': h.token, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    const ok = await (await invoke({ ...APP, function: 'sum', event: { a: 2, b: 3 } })).json();
    expect(ok).toMatchObject({ versionNumber: 1, result: { sum: 5, version: '1' } });
    expect(ok.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(ok.versionId).toBe([...h.store.versions.values()].find((v) => v.function === 'sum')!.id);
    expect(typeof ok.durationMs).toBe('number');

    const failed = await (await invoke({ ...APP, function: 'boom' })).json();
    expect(failed.error).toEqual({ type: 'TypeError', message: 'bad input' });
    expect(failed).not.toHaveProperty('result');

    const missing = await invoke({ ...APP, function: 'nope' });
    expect(missing.status).toBe(404);
    expect((await missing.json()).code).toBe('FUNCTION_NOT_FOUND');
    const invalid = await invoke({ app: 'shop' });
    expect(invalid.status).toBe(400);

    expect(await h.gateway.invoke({ ...APP, function: 'sum', event: { a: 1, b: 1 } })).toMatchObject({ result: { sum: 2 } });
  });
});

describe('invoking a given version', () => {
  const versionCode = (label: string) => `export const handler = async (event, context) => ({ label: '${label}', version: context.functionVersion, event });`;

  it('runs exactly the version asked for, routed or not, loading an unrouted one once', async () => {
    const h = await start((store) => store.publish({ ...APP, function: 'sum', code: versionCode('v1') }));
    const v1 = [...h.store.versions.values()][0];
    const v2 = h.store.createVersion({ ...APP, function: 'sum', code: versionCode('v2') });
    const hook = h.store.createVersion({ ...APP, function: 'checkSum', code: versionCode('hook') });
    const getVersion = vi.spyOn(h.store, 'getVersion');
    const invoke = (body: unknown) =>
      h.request('/_sluice/invoke', { method: 'POST', headers: { 'x-sluice-internal-token': h.token, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    for (let i = 0; i < 3; i++) {
      const ran = await (await invoke({ ...APP, function: 'checkSum', versionId: hook.id, event: { n: i } })).json();
      expect(ran).toMatchObject({ versionId: hook.id, versionNumber: 1, result: { label: 'hook', event: { n: i } } });
    }
    expect(getVersion).toHaveBeenCalledTimes(1);
    expect(await (await invoke({ ...APP, function: 'sum', versionId: v2.id })).json()).toMatchObject({ versionId: v2.id, versionNumber: 2, result: { label: 'v2', version: '2' } });
    expect(await (await invoke({ ...APP, function: 'sum', versionId: v1.id })).json()).toMatchObject({ versionNumber: 1, result: { label: 'v1' } });
    expect(await (await invoke({ ...APP, function: 'sum' })).json()).toMatchObject({ versionNumber: 1, result: { label: 'v1' } });
    expect(getVersion).toHaveBeenCalledTimes(2);
    expect(await h.gateway.invoke({ ...APP, function: 'checkSum', versionId: hook.id })).toMatchObject({ result: { label: 'hook', event: {} } });

    const unknown = await invoke({ ...APP, function: 'sum', versionId: 'f'.repeat(64) });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).code).toBe('FUNCTION_NOT_FOUND');
    const elsewhere = await invoke({ ...APP, function: 'sum', versionId: hook.id });
    expect(elsewhere.status).toBe(404);
    expect((await elsewhere.json()).message).toMatch(/belongs to function checkSum/);
    expect((await invoke({ ...APP, function: 'sum', versionId: 42 })).status).toBe(400);
  });

  it('stops the workers of an unrouted version once idle, and loads it again when asked', async () => {
    const h = await start((store) => store.publish({ ...APP, function: 'sum', code: versionCode('v1') }), { workers: { idleMs: 50 } });
    const hook = h.store.createVersion({ ...APP, function: 'checkSum', code: versionCode('hook') });
    const getVersion = vi.spyOn(h.store, 'getVersion');
    expect(await h.gateway.invoke({ ...APP, function: 'checkSum', versionId: hook.id })).toMatchObject({ result: { label: 'hook' } });
    expect(getVersion).toHaveBeenCalledTimes(1);
    await expect.poll(async () => (await (await h.request('/_sluice/health')).json()).workers).toBe(0);
    expect(await h.gateway.invoke({ ...APP, function: 'checkSum', versionId: hook.id })).toMatchObject({ result: { label: 'hook' } });
    expect(getVersion).toHaveBeenCalledTimes(2);
  });
});

describe('routing generations', () => {
  it('finishes in-flight requests on the old version, serves the new one, then stops the old workers', async () => {
    const releaseFile = join(await mkdtemp(join(tmpdir(), 'sluice-release-')), 'release');
    const h = await start((store) => store.publish({ ...APP, function: 'f', code: versionHandler('v1', { releaseFile }), config: { events: [http('GET', '/v')] } }));
    const held = h.request('/shop/dev/api/v?hold');
    await h.store.waitUntil(() => h.store.logs.some((l) => l.message === 'holding') || undefined);

    h.store.publish({ ...APP, function: 'f', code: versionHandler('v2'), config: { events: [http('GET', '/v')] } });
    await h.gateway.reload();
    expect(await (await h.request('/shop/dev/api/v')).text()).toBe('v2');
    expect((await (await h.request('/_sluice/health')).json()).workers).toBe(2);

    await writeFile(releaseFile, '');
    expect(await (await held).text()).toBe('v1');
    await expect.poll(async () => (await (await h.request('/_sluice/health')).json()).workers).toBe(1);
  });

  it('picks up a new generation by polling when no reload is sent', async () => {
    const h = await start((store) => store.publish({ ...APP, function: 'f', code: versionHandler('v1'), config: { events: [http('GET', '/v')] } }));
    h.store.publish({ ...APP, function: 'f', code: versionHandler('v2'), config: { events: [http('GET', '/v')] } });
    await expect.poll(async () => (await h.request('/shop/dev/api/v')).text()).toBe('v2');
  });

  it('splits traffic by the alias weights', async () => {
    const h = await start((store) => {
      const config = { concurrency: 1000, events: [http('GET', '/v')] };
      const v1 = store.createVersion({ ...APP, function: 'f', code: versionHandler('v1'), config });
      const v2 = store.createVersion({ ...APP, function: 'f', code: versionHandler('v2'), config });
      store.setLive(APP.app, APP.stage, APP.service, 'f', [{ versionId: v1.id, weight: 75 }, { versionId: v2.id, weight: 25 }]);
    }, { random: seededRandom(5) });
    const bodies = await Promise.all(Array.from({ length: 400 }, () => h.request('/shop/dev/api/v').then((r) => r.text())));
    const v2 = bodies.filter((b) => b === 'v2').length;
    expect(bodies.filter((b) => b === 'v1').length + v2).toBe(400);
    expect(v2).toBeGreaterThan(60);
    expect(v2).toBeLessThan(140);
    await h.store.waitUntil(() => new Set(h.store.metrics.filter((m) => m.function === 'f').map((m) => m.versionId)).size === 2 || undefined);
  });
});

describe('schedules', () => {
  it('invokes functions on rate schedules with an EventBridge event or the configured input', async () => {
    const code = 'export const handler = async (event, context) => { console.log(JSON.stringify(event)); return "done"; };';
    const h = await start((store) => {
      store.publish({ ...APP, function: 'ticker', code, config: { events: [{ type: 'schedule', expression: 'rate(1 second)', enabled: true }] } });
      store.publish({ ...APP, function: 'withInput', code, config: { events: [{ type: 'schedule', expression: 'rate(1 second)', enabled: true, input: { job: 'cleanup' } }] } });
      store.publish({ ...APP, function: 'disabled', code, config: { events: [{ type: 'schedule', expression: 'rate(1 second)', enabled: false }] } });
      store.publish({ ...APP, function: 'broken', code, config: { events: [{ type: 'schedule', expression: 'cron(0 12 * * ? 2031)', enabled: true }] } });
    });
    const tick = await h.store.waitUntil(() => h.store.logs.find((l) => l.function === 'ticker' && l.level === 'log'));
    expect(JSON.parse(tick.message)).toMatchObject({
      version: '0',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      region: 'local',
      resources: ['arn:aws:events:local:000000000000:rule/shop-dev-api-ticker-schedule-0'],
      detail: {},
    });
    expect(tick.requestId).not.toBe('');
    const withInput = await h.store.waitUntil(() => h.store.logs.find((l) => l.function === 'withInput' && l.level === 'log'));
    expect(JSON.parse(withInput.message)).toEqual({ job: 'cleanup' });
    const broken = await h.store.waitUntil(() => h.store.logs.find((l) => l.function === 'broken'));
    expect(broken).toMatchObject({ level: 'system', message: expect.stringMatching(/only \* is supported in the year field/) });
    expect(h.store.logs.some((l) => l.function === 'disabled')).toBe(false);
  });
});

describe('tables', () => {
  it('gives handlers get, put, delete and query through sluice/tables', async () => {
    const bundled = await build({
      stdin: {
        contents: `
import { table } from ${JSON.stringify(fileURLToPath(new URL('./tables-client.ts', import.meta.url)))};
export const handler = async (event) => {
  const t = table(event.table ?? 'shop-dev-db-items');
  switch (event.op) {
    case 'put': await t.put(event.item); return 'ok';
    case 'get': return (await t.get(event.key)) ?? 'missing';
    case 'delete': return t.delete(event.key);
    case 'query': return t.query(event.options);
  }
};`,
        resolveDir: process.cwd(),
        loader: 'js',
      },
      bundle: true,
      format: 'esm',
      platform: 'node',
      write: false,
    });
    const h = await start((store) => {
      store.registerTable({ name: 'shop-dev-db-items', app: 'shop', stage: 'dev', service: 'db', logical: 'items', keyField: 'id' });
      store.publish({ ...APP, function: 'tables', code: bundled.outputFiles[0].text });
    });
    const call = async (event: unknown) => {
      const result = await h.gateway.invoke({ ...APP, function: 'tables', event });
      if (result.error) return result.error;
      return result.result;
    };
    for (const id of ['user#2', 'user#1', 'order#1', 'user#3']) expect(await call({ op: 'put', item: { id, n: id.length } })).toBe('ok');
    expect(await call({ op: 'get', key: 'user#1' })).toEqual({ id: 'user#1', n: 6 });
    expect(await call({ op: 'query', options: { prefix: 'user#' } })).toEqual([{ id: 'user#1', n: 6 }, { id: 'user#2', n: 6 }, { id: 'user#3', n: 6 }]);
    expect(await call({ op: 'query', options: { prefix: 'user#', limit: 2 } })).toHaveLength(2);
    expect(await call({ op: 'query' })).toHaveLength(4);
    expect(await call({ op: 'delete', key: 'user#1' })).toBe(true);
    expect(await call({ op: 'delete', key: 'user#1' })).toBe(false);
    expect(await call({ op: 'get', key: 'user#1' })).toBe('missing');
    expect(h.store.tables.get('shop-dev-db-items')!.items.has('order#1')).toBe(true);

    expect(await call({ op: 'put', item: { name: 'no key' } })).toEqual({ type: 'ValidationException', message: expect.stringContaining('"id"') });
    expect(await call({ op: 'get', key: 'x', table: 'nope' })).toEqual({ type: 'ResourceNotFoundException', message: expect.stringContaining('Table "nope" does not exist') });
  });

  it('explains that the client works only inside the runtime', async () => {
    await expect(table('anything').get('k')).rejects.toThrow(/only inside a function run by the Sluice runtime/);
  });
});
