// Runtime fault tests: whatever a handler does, it fails only its own invocation (and, unavoidably, the
// invocations sharing its worker); the gateway and the other functions keep serving.
// Needs the built worker (npx tsc -p tsconfig.json) — see worker-file.ts.

import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type GatewayHarness } from './testing/gateway-harness.js';

const APP = { app: 'shop', stage: 'dev', service: 'api' };
const http = (method: string, path: string) => ({ type: 'http' as const, method: method as 'GET', path });

/** Each fault function answers normally with `?ok`, with its worker's identity. */
function faulty(fault: string): string {
  return `
const workerId = Math.random().toString(36).slice(2);
export const handler = async (event) => {
  if (event.rawQueryString === 'ok') return { statusCode: 200, body: workerId };
  ${fault}
};`;
}

describe('runtime faults', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startTestGateway((store) => {
      store.publish({ ...APP, function: 'hello', code: 'export const handler = async () => ({ statusCode: 200, body: "hello" });', config: { events: [http('GET', '/hello')] } });
      store.publish({ ...APP, function: 'thrower', code: faulty('throw new Error("kaboom");'), config: { events: [http('GET', '/thrower')] } });
      store.publish({ ...APP, function: 'exiter', code: faulty('process.exit(3);'), config: { events: [http('GET', '/exiter')] } });
      store.publish({ ...APP, function: 'looper', code: faulty('for (;;) {}'), config: { timeout: 1, events: [http('GET', '/looper')] } });
      store.publish({ ...APP, function: 'hog', code: faulty('const hoard = []; for (;;) hoard.push(new Array(100000).fill({ x: hoard.length }));'), config: { memory: 64, events: [http('GET', '/hog')] } });
      store.publish({ ...APP, function: 'sleeper', code: faulty('await new Promise(() => {});'), config: { timeout: 1, events: [http('GET', '/sleeper')] } });
      store.publish({ ...APP, function: 'aborter', code: faulty('process.abort();'), config: { events: [http('GET', '/aborter')] } });
      store.publish({
        ...APP,
        function: 'spawner',
        code: faulty(`const { spawn } = await import('node:child_process');
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  await new Promise((resolve) => setImmediate(resolve));
  console.log('child ' + child.pid);
  await new Promise(() => {});`),
        config: { timeout: 1, events: [http('GET', '/spawner')] },
      });
      store.publish({
        ...APP,
        function: 'limited',
        code: 'export const handler = async () => { await new Promise((r) => setTimeout(r, 20)); return { statusCode: 200, body: "done" }; };',
        config: { concurrency: 5, events: [http('GET', '/limited')] },
      });
    });
  });
  afterAll(() => h?.close());

  const get = (path: string) => h.request(`/shop/dev/api${path}`);

  /** Runs the faulty call while the neighbour answers, then checks the same function answers again. */
  async function failsAlone(path: string, expectedStatus: number) {
    const failing = get(path);
    const neighbour = await Promise.all([get('/hello'), get('/hello'), get('/hello')]);
    for (const response of neighbour) expect(await response.text()).toBe('hello');
    const failed = await failing;
    expect(failed.status).toBe(expectedStatus);
    const body = await failed.json();
    expect((await get('/hello')).status).toBe(200);
    const again = await get(`${path}?ok`);
    expect(again.status).toBe(200);
    return { body, requestId: failed.headers.get('x-sluice-request-id')! };
  }

  it('a throwing handler gives 500, is logged with its stack, and the next call succeeds', async () => {
    const failed = await get('/thrower');
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ message: 'Internal Server Error' });
    const requestId = failed.headers.get('x-sluice-request-id')!;
    const next = await get('/thrower?ok');
    expect(next.status).toBe(200);
    const line = await h.store.waitUntil(() => h.store.logs.find((l) => l.requestId === requestId && l.level === 'error'));
    expect(line.message).toMatch(/^Invoke Error .*"errorMessage":"kaboom".*"stack":\[/);
  });

  it('process.exit fails only its own call', async () => {
    const { body, requestId } = await failsAlone('/exiter', 502);
    expect(body).toMatchObject({ code: 'INVOKE_FAILED', message: expect.stringMatching(/exited with code 3/) });
    await h.store.waitUntil(() => h.store.logs.find((l) => l.requestId === requestId && l.level === 'system' && /Runtime.ExitError/.test(l.message)));
  });

  it('process.abort ends only the worker, not the gateway', async () => {
    const { body } = await failsAlone('/aborter', 502);
    expect(body.message).toMatch(/exited with code 134/);
  });

  it('an infinite loop times out with 504 while the neighbour keeps answering', async () => {
    const { body, requestId } = await failsAlone('/looper', 504);
    expect(body).toMatchObject({ code: 'INVOKE_FAILED', message: expect.stringMatching(/timed out after 1 s/) });
    const line = await h.store.waitUntil(() => h.store.logs.find((l) => l.requestId === requestId && l.level === 'system'));
    expect(line.message).toBe('Task timed out after 1.00 seconds');
  });

  it('a memory blow-up kills its worker (502) and a new worker answers afterwards', async () => {
    const { body, requestId } = await failsAlone('/hog', 502);
    expect(body.message).toMatch(/Runtime.OutOfMemory: The function ran out of memory \(limit 64 MB\)/);
    await h.store.waitUntil(() => h.store.logs.find((l) => l.requestId === requestId && /OutOfMemory/.test(l.message)));
  });

  it('a timeout gives 504 and the function is then served by a fresh worker', async () => {
    const before = await (await get('/sleeper?ok')).text();
    const timedOut = await get('/sleeper');
    expect(timedOut.status).toBe(504);
    const after = await get('/sleeper?ok');
    expect(after.status).toBe(200);
    expect(await after.text()).not.toBe(before);
  });

  it.runIf(process.platform === 'linux')('kills the child processes of a worker it stops', async () => {
    const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const timedOut = get('/spawner');
    const line = await h.store.waitUntil(() => h.store.logs.find((l) => l.function === 'spawner' && l.message.startsWith('child ')));
    const pid = Number(line.message.slice('child '.length));
    expect(alive(pid)).toBe(true);
    expect((await timedOut).status).toBe(504);
    await expect.poll(() => alive(pid)).toBe(false);
  });

  it('1,000 concurrent requests to a concurrency-5 function give only 200s and 429s, and the gateway stays healthy', async () => {
    const statuses = await Promise.all(Array.from({ length: 1000 }, () => get('/limited').then(async (r) => {
      await r.arrayBuffer();
      return r.status;
    })));
    const counts = statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});
    expect(Object.keys(counts).sort()).toEqual(['200', '429']);
    expect(counts[200]).toBeGreaterThanOrEqual(5);
    expect(counts[429]).toBeGreaterThan(0);
    const throttled = await get('/limited');
    expect(throttled.status).toBe(200);
    const health = await (await h.request('/_sluice/health')).json();
    expect(health.ok).toBe(true);
    await h.store.waitUntil(() => h.store.metrics.filter((m) => m.function === 'limited').reduce((n, m) => n + m.throttles, 0) === counts[429] || undefined);
  });
});
