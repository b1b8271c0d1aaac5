// Several gateways on one store, as with several control-plane processes: scheduled times every gateway
// computes alike, each run invoked by the one gateway whose claim lands, and routing changes heard through
// the store's notifications rather than polling. Needs the built worker (npx tsc -p tsconfig.json).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from './gateway-server.js';
import { parseScheduleExpression } from './schedule-expression.js';
import { nextScheduledTime } from './schedule-timer.js';
import { MemoryRuntimeStore } from './testing/memory-runtime-store.js';

const APP = { app: 'shop', stage: 'dev', service: 'jobs' };
const undo: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (undo.length > 0) await undo.pop()!();
});

async function gateway(store: MemoryRuntimeStore, holder: string, pollIntervalMs = 100): Promise<Gateway> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'sluice-schedules-'));
  undo.push(() => rm(cacheDir, { recursive: true, force: true }));
  const started = await startGateway({
    store,
    holder,
    decryptSecret: (ciphertext) => ciphertext,
    host: '127.0.0.1',
    port: 0,
    internalToken: 'test-token',
    cacheDir,
    flushIntervalMs: 50,
    pollIntervalMs,
    onError: () => undefined,
  });
  undo.push(() => started.close());
  return started;
}

describe('scheduled times', () => {
  it('are the multiples of a rate since the epoch, and a cron expression\'s matching times, strictly after the given one', () => {
    const minute = parseScheduleExpression('rate(5 minutes)');
    expect(nextScheduledTime(minute, 0)).toBe(300_000);
    expect(nextScheduledTime(minute, 299_999)).toBe(300_000);
    expect(nextScheduledTime(minute, 300_000)).toBe(600_000);
    const noon = parseScheduleExpression('cron(0 12 * * ? *)');
    const at = Date.UTC(2030, 0, 1, 12, 0, 0);
    expect(nextScheduledTime(noon, at - 1)).toBe(at);
    expect(nextScheduledTime(noon, at)).toBe(at + 86_400_000);
  });
});

describe('three gateways on one store', () => {
  it('invoke each run of a schedule once, for its scheduled time', async () => {
    const store = new MemoryRuntimeStore();
    const code = 'export const handler = async (event) => { console.log("run " + event.time); return "ok"; };';
    store.publish({ ...APP, function: 'tick', code, config: { events: [{ type: 'schedule', expression: 'rate(1 second)', enabled: true }] } });
    await Promise.all(['g1', 'g2', 'g3'].map((holder) => gateway(store, holder)));
    await store.waitUntil(() => store.scheduleClaims.length >= 3 || undefined);
    const claimed = store.scheduleClaims.slice(0, 3);
    await store.waitUntil(() => claimed.every((c) => store.logs.some((l) => l.message === `run ${new Date(c.scheduledAt).toISOString().replace(/\.\d{3}Z$/, 'Z')}`)) || undefined);
    const runs = store.logs.filter((l) => l.function === 'tick' && l.message.startsWith('run '));
    expect(new Set(runs.map((r) => r.message)).size).toBe(runs.length);
    for (const claim of claimed) {
      expect(claim).toMatchObject({ ...APP, function: 'tick', schedule: 'rate(1 second)#null' });
      expect(claim.scheduledAt % 1000).toBe(0);
      expect(['g1', 'g2', 'g3']).toContain(claim.holder);
    }
    expect(new Set(store.scheduleClaims.map((c) => c.scheduledAt)).size).toBe(store.scheduleClaims.length);
  });

  it('skip a run they cannot claim rather than risk running it twice', async () => {
    const store = new MemoryRuntimeStore();
    const code = 'export const handler = async () => { console.log("ran"); return "ok"; };';
    store.publish({ ...APP, function: 'tick', code, config: { events: [{ type: 'schedule', expression: 'rate(1 second)', enabled: true }] } });
    await gateway(store, 'g1');
    store.setUnavailable(true);
    await store.waitUntil(() => (store.failedCalls.claimScheduleTick ?? 0) >= 1 || undefined);
    store.setUnavailable(false);
    expect(store.logs.some((l) => l.message === 'ran')).toBe(false);
  });

  it('reload when the store notifies a routing change, without waiting for polling', async () => {
    const store = new MemoryRuntimeStore();
    store.publish({ ...APP, function: 'hello', code: 'export const handler = async () => ({ statusCode: 200, body: "one" });', config: { events: [{ type: 'http', method: 'GET', path: '/hello' }] } });
    const served = await gateway(store, 'g1', 60_000);
    const hello = async () => (await fetch(`${served.url}/shop/dev/jobs/hello`)).text();
    expect(await hello()).toBe('one');
    store.publish({ ...APP, function: 'hello', code: 'export const handler = async () => ({ statusCode: 200, body: "two" });', config: { events: [{ type: 'http', method: 'GET', path: '/hello' }] } });
    expect(await hello()).toBe('one');
    store.notify('routing');
    await expect.poll(hello, { timeout: 5000, interval: 20 }).toBe('two');
  });
});
