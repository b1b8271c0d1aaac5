// Weighted routing through a real gateway: splits, x-sluice-version, sticky callers, match rules, warm pools
// across weight changes, and zero errors while the weights shift under load.
// Needs the built worker (npx tsc -p tsconfig.json) — see worker-file.ts.

import { afterEach, describe, expect, it } from 'vitest';
import type { AliasRules, VersionRecord } from '../store/types.js';
import { startTestGateway, type GatewayHarness } from './testing/gateway-harness.js';
import type { MemoryRuntimeStore } from './testing/memory-runtime-store.js';
import { seededRandom } from './testing/seeded-random.js';

const APP = { app: 'shop', stage: 'dev', service: 'api' };
const http = (method: string, path: string) => ({ type: 'http' as const, method: method as 'GET', path });
const ROUTES = [http('GET', '/v')];

/** Answers `label:workerId`, where workerId names the worker thread that ran it; `?slow` stays in flight a moment. */
function labelled(label: string): string {
  return `
const workerId = Math.random().toString(36).slice(2);
export const handler = async (event) => {
  if (event.rawQueryString === 'fail') throw new Error('asked to fail');
  if (event.rawQueryString === 'slow') await new Promise((resolve) => setTimeout(resolve, 20));
  return { statusCode: 200, body: '${label}:' + workerId };
};`;
}

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

interface TwoVersions {
  v1: VersionRecord;
  v2: VersionRecord;
}

async function startTwoVersions(
  weights: [number, number],
  options: { rules?: (v: TwoVersions) => AliasRules; v2Routes?: ReturnType<typeof http>[]; gateway?: Parameters<typeof startTestGateway>[1] } = {},
): Promise<GatewayHarness & TwoVersions> {
  let versions: TwoVersions | undefined;
  harness = await startTestGateway((store) => {
    const v1 = store.createVersion({ ...APP, function: 'f', code: labelled('v1'), config: { concurrency: 1000, events: ROUTES } });
    const v2 = store.createVersion({ ...APP, function: 'f', code: labelled('v2'), config: { concurrency: 1000, events: options.v2Routes ?? ROUTES } });
    versions = { v1, v2 };
    setWeights(store, versions, weights[1], options.rules?.(versions));
  }, options.gateway);
  return { ...harness, ...versions! };
}

function setWeights(store: MemoryRuntimeStore, { v1, v2 }: TwoVersions, newWeight: number, rules?: AliasRules): void {
  store.setLive(APP.app, APP.stage, APP.service, 'f', [{ versionId: v1.id, weight: 100 - newWeight }, { versionId: v2.id, weight: newWeight }], rules);
}

interface Answer {
  status: number;
  label: string;
  workerId: string;
  version: string | null;
}

async function get(h: GatewayHarness, path = '/v', headers: Record<string, string> = {}): Promise<Answer> {
  const response = await h.request(`/shop/dev/api${path}`, { headers });
  const [label, workerId] = (await response.text()).split(':');
  return { status: response.status, label, workerId, version: response.headers.get('x-sluice-version') };
}

describe('weighted routing over HTTP', () => {
  it('splits 1,000 requests by the weights and names the serving version in x-sluice-version', async () => {
    const h = await startTwoVersions([75, 25], { gateway: { random: seededRandom(11) } });
    const answers: Answer[] = [];
    for (let batch = 0; batch < 20; batch++) answers.push(...(await Promise.all(Array.from({ length: 50 }, () => get(h)))));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.version).toBe(answer.label === 'v1' ? '1' : '2');
    }
    const share = (answers.filter((a) => a.label === 'v2').length / answers.length) * 100;
    // 1,000 draws: the ±2-point bound over 10,000 is checked through the selection path in traffic-router.test.ts.
    expect(Math.abs(share - 25)).toBeLessThanOrEqual(4);
  });

  it('sends x-sluice-version on failure answers too', async () => {
    const h = await startTwoVersions([0, 100]);
    const failed = await h.request('/shop/dev/api/v?fail');
    expect(failed.status).toBe(500);
    expect(failed.headers.get('x-sluice-version')).toBe('2');
  });

  it('keeps callers with the same header on one version, and moves them only to the new one as it grows', async () => {
    const sticky: AliasRules = { sticky: { source: 'header', name: 'X-User' } };
    const h = await startTwoVersions([50, 50], { rules: () => sticky });
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    const versionOf = async (user: string) => {
      const answers = await Promise.all([1, 2, 3].map(() => get(h, '/v', { 'x-user': user })));
      expect(new Set(answers.map((a) => a.label)).size).toBe(1);
      return answers[0].label;
    };
    const atHalf = new Map<string, string>();
    for (const user of users) atHalf.set(user, await versionOf(user));
    expect(new Set(atHalf.values())).toEqual(new Set(['v1', 'v2']));

    setWeights(h.store, h, 80, sticky);
    await h.gateway.reload();
    for (const user of users) if (atHalf.get(user) === 'v2') expect(await versionOf(user)).toBe('v2');
  });

  it('sends pinned and A/B callers to a version at weight 0, on routes only it declares too', async () => {
    const h = await startTwoVersions([100, 0], {
      v2Routes: [...ROUTES, http('GET', '/new')],
      rules: ({ v2 }) => ({
        match: [
          { header: 'x-sluice-pin', value: 'rollout-token', versionId: v2.id },
          { header: 'X-Canary', value: '1', versionId: v2.id },
        ],
      }),
    });
    for (let i = 0; i < 20; i++) expect((await get(h)).label).toBe('v1');
    expect(await get(h, '/v', { 'X-Sluice-Pin': 'rollout-token' })).toMatchObject({ label: 'v2', version: '2' });
    expect((await get(h, '/v', { 'x-canary': '1' })).label).toBe('v2');
    expect((await get(h, '/v', { 'x-sluice-pin': 'ROLLOUT-TOKEN' })).label).toBe('v1');
    expect((await get(h, '/new', { 'x-sluice-pin': 'rollout-token' })).label).toBe('v2');
    expect((await get(h, '/new')).label).toBe('v1');
  });

  it('answers 404 for a function whose only version receives no traffic yet, and serves pinned calls', async () => {
    harness = await startTestGateway((store) => {
      const v1 = store.createVersion({ ...APP, function: 'fresh', code: labelled('v1'), config: { events: ROUTES } });
      store.setLive(APP.app, APP.stage, APP.service, 'fresh', [{ versionId: v1.id, weight: 0 }], { match: [{ header: 'x-sluice-pin', value: 't', versionId: v1.id }] });
    });
    const unpinned = await harness.request('/shop/dev/api/v');
    expect(unpinned.status).toBe(404);
    expect(await unpinned.json()).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('receives no traffic yet') });
    expect((await get(harness, '/v', { 'x-sluice-pin': 't' })).label).toBe('v1');
    await expect(harness.gateway.invoke({ ...APP, function: 'fresh' })).rejects.toMatchObject({ code: 'FUNCTION_NOT_FOUND' });
  });
});

describe('weight shifts', () => {
  it('keeps the warm workers of the versions that stay when only the weights change', async () => {
    const h = await startTwoVersions([90, 10], { gateway: { workers: { maxWorkersPerVersion: 1 } } });
    const workers = new Map<string, Set<string>>([['v1', new Set()], ['v2', new Set()]]);
    for (const weight of [10, 50, 90, 50]) {
      setWeights(h.store, h, weight);
      await h.gateway.reload();
      const answers = await Promise.all(Array.from({ length: 40 }, () => get(h)));
      for (const answer of answers) workers.get(answer.label)!.add(answer.workerId);
    }
    expect(workers.get('v1')!.size).toBe(1);
    expect(workers.get('v2')!.size).toBe(1);
    expect((await (await h.request('/_sluice/health')).json()).workers).toBe(2);
  });

  it('serves every request with 200 from one of the two versions while the weights change 20 times', async () => {
    const h = await startTwoVersions([100, 0]);
    const answers: Answer[] = [];
    const failures: unknown[] = [];
    let running = true;
    // Resolves once `count` more answers have arrived: each weight is held while traffic flows.
    let progress: { until: number; resolve: () => void } | undefined;
    const answered = (count: number) => new Promise<void>((resolve) => (progress = { until: answers.length + count, resolve }));
    const client = async () => {
      while (running) {
        try {
          // Slow calls keep invocations in flight on the version that leaves the routing.
          answers.push(await get(h, '/v?slow'));
        } catch (error) {
          failures.push(error);
        }
        if (progress !== undefined && answers.length >= progress.until) progress.resolve();
      }
    };
    const clients = Array.from({ length: 24 }, () => client());

    const weights = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 90, 80, 70, 60, 50, 40, 30, 20, 10, 0];
    await answered(50);
    for (const weight of weights) {
      setWeights(h.store, h, weight);
      await h.gateway.reload();
      await answered(50);
    }
    running = false;
    await Promise.all(clients);

    expect(failures).toEqual([]);
    expect(answers.length).toBeGreaterThanOrEqual(weights.length * 50);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(['v1', 'v2']).toContain(answer.label);
      expect(answer.version).toBe(answer.label === 'v1' ? '1' : '2');
    }
    expect(new Set(answers.map((a) => a.label))).toEqual(new Set(['v1', 'v2']));
  });
});
