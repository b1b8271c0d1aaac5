// Version selection through the real path (RouteTable compiles the alias, selectTarget picks), with seeded
// randomness: weighted splits, header match rules, sticky keys by header and cookie.

import { describe, expect, it } from 'vitest';
import type { AliasRules, RoutingSnapshot, VersionRecord } from '../store/types.js';
import { RouteTable, type FunctionDeployment } from './route-table.js';
import { functionConfig } from './testing/memory-runtime-store.js';
import { seededRandom } from './testing/seeded-random.js';
import { selectTarget } from './traffic-router.js';

function version(id: string, number: number): VersionRecord {
  return { id, app: 'shop', service: 'api', function: 'f', number, codeHash: `hash-${id}`, config: functionConfig(), createdAt: 0 };
}

const V1 = version('v-one', 1);
const V2 = version('v-two', 2);
const V3 = version('v-three', 3);

function deploymentOf(targets: Array<[VersionRecord, number]>, rules: AliasRules = {}, service = 'api', fn = 'f'): FunctionDeployment {
  const snapshot: RoutingSnapshot = {
    generation: 1,
    services: [{ app: 'shop', stage: 'dev', service, functions: [{ name: fn, targets: targets.map(([v, weight]) => ({ weight, version: v })), rules }], protected: false }],
  };
  const deployment = new RouteTable(snapshot).functions.get(`shop/dev/${service}/${fn}`);
  if (deployment === undefined) throw new Error('not routed');
  return deployment;
}

/** Share (0..100) of `count` selections that chose `versionId`. */
function share(deployment: FunctionDeployment, versionId: string, count: number, headersOf: (i: number) => string[] | undefined, random = seededRandom(42)): number {
  let hits = 0;
  for (let i = 0; i < count; i++) if (selectTarget(deployment.traffic, headersOf(i), random)?.version.id === versionId) hits++;
  return (hits / count) * 100;
}

const noHeaders = () => [] as string[];

describe('weighted selection', () => {
  it.each([
    [90, 10],
    [75, 25],
    [50, 50],
    [1, 99],
    [99, 1],
  ])('realizes %i/%i within 2 points over 10,000 requests', (oldWeight, newWeight) => {
    const deployment = deploymentOf([[V1, oldWeight], [V2, newWeight]]);
    const realized = share(deployment, V2.id, 10_000, noHeaders);
    expect(Math.abs(realized - newWeight)).toBeLessThanOrEqual(2);
  });

  it('splits among three versions', () => {
    const deployment = deploymentOf([[V1, 20], [V2, 30], [V3, 50]]);
    const random = seededRandom(7);
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const id = selectTarget(deployment.traffic, [], random)!.version.id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect(Math.abs(counts.get(V1.id)! / 100 - 20)).toBeLessThanOrEqual(2);
    expect(Math.abs(counts.get(V2.id)! / 100 - 30)).toBeLessThanOrEqual(2);
    expect(Math.abs(counts.get(V3.id)! / 100 - 50)).toBeLessThanOrEqual(2);
  });

  it('gives no weighted traffic to a version at weight 0, and none at all without weights', () => {
    const deployment = deploymentOf([[V1, 100], [V2, 0]], { match: [{ header: 'x-pin', value: 'yes', versionId: V2.id }] });
    expect(share(deployment, V2.id, 1000, noHeaders)).toBe(0);
    expect(selectTarget(deployment.traffic, undefined, Math.random)!.version.id).toBe(V1.id);
    const matchOnly = deploymentOf([[V2, 0]], { match: [{ header: 'x-pin', value: 'yes', versionId: V2.id }] });
    expect(selectTarget(matchOnly.traffic, [], Math.random)).toBeUndefined();
    expect(selectTarget(matchOnly.traffic, ['X-Pin', 'yes'], Math.random)?.version.id).toBe(V2.id);
  });

  it('lays targets out newest version first, whatever order the alias lists them in', () => {
    for (const targets of [[[V1, 70], [V2, 30]], [[V2, 30], [V1, 70]]] as Array<Array<[VersionRecord, number]>>) {
      const deployment = deploymentOf(targets);
      expect(deployment.traffic.weighted.map((t) => t.version.id)).toEqual([V2.id, V1.id]);
      expect(selectTarget(deployment.traffic, [], () => 0.299)!.version.id).toBe(V2.id);
      expect(selectTarget(deployment.traffic, [], () => 0.3)!.version.id).toBe(V1.id);
      expect(selectTarget(deployment.traffic, [], () => 0.999999)!.version.id).toBe(V1.id);
    }
  });
});

describe('header match rules', () => {
  const rules: AliasRules = {
    match: [
      { header: 'X-Canary', value: '1', versionId: V2.id },
      { header: 'x-sluice-pin', value: 'token-abc', versionId: V3.id },
      { header: 'x-canary', value: '1', versionId: V1.id },
    ],
  };
  const deployment = deploymentOf([[V1, 100], [V2, 0], [V3, 0]], rules);
  const pick = (headers: string[] | undefined) => selectTarget(deployment.traffic, headers, () => 0)?.version.id;

  it('sends a request whose header equals the value to that version, at weight 0', () => {
    expect(pick(['Host', 'x', 'X-Canary', '1'])).toBe(V2.id);
    expect(pick(['X-SLUICE-PIN', 'token-abc'])).toBe(V3.id);
  });

  it('compares header names case-insensitively and values exactly; the first matching rule wins', () => {
    expect(pick(['x-canary', '1'])).toBe(V2.id);
    expect(pick(['x-sluice-pin', 'TOKEN-ABC'])).toBe(V1.id);
    expect(pick(['x-sluice-pin', 'token-abc '])).toBe(V1.id);
    expect(pick(['x-canary', '11'])).toBe(V1.id);
    expect(pick(['x-canaryy', '1'])).toBe(V1.id);
    expect(pick(['x-canary', '0', 'x-canary', '1'])).toBe(V2.id);
  });

  it('does not apply to events, which have no headers', () => {
    expect(pick(undefined)).toBe(V1.id);
  });

  it('ignores a rule naming a version the alias does not list', () => {
    const stray = deploymentOf([[V1, 100]], { match: [{ header: 'x-canary', value: '1', versionId: 'v-elsewhere' }] });
    expect(stray.traffic.match).toEqual([]);
    expect(selectTarget(stray.traffic, ['x-canary', '1'], () => 0)!.version.id).toBe(V1.id);
  });
});

describe('sticky keys', () => {
  const users = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
  const byHeader: AliasRules = { sticky: { source: 'header', name: 'X-User' } };

  it('keeps a caller on one version, whatever the random draws', () => {
    const deployment = deploymentOf([[V1, 50], [V2, 50]], byHeader);
    const random = seededRandom(1);
    for (const user of users.slice(0, 200)) {
      const first = selectTarget(deployment.traffic, ['x-user', user], random)!.version.id;
      for (let i = 0; i < 5; i++) expect(selectTarget(deployment.traffic, ['X-User', user], random)!.version.id).toBe(first);
    }
  });

  it('realizes the weights over 10,000 callers within 2 points', () => {
    for (const weight of [1, 10, 25, 50, 90]) {
      const deployment = deploymentOf([[V1, 100 - weight], [V2, weight]], byHeader);
      const realized = share(deployment, V2.id, users.length, (i) => ['x-user', users[i]]);
      expect(Math.abs(realized - weight)).toBeLessThanOrEqual(2);
    }
  });

  it('moves callers only from old to new while the new weight grows, and only back while it shrinks', () => {
    const steps = [0, 1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    const onNew = new Set<string>();
    for (const weight of steps) {
      // The alias lists the targets in a different order at every step: the layout must not follow it.
      const targets: Array<[VersionRecord, number]> = weight % 20 === 0 ? [[V1, 100 - weight], [V2, weight]] : [[V2, weight], [V1, 100 - weight]];
      const deployment = deploymentOf(targets, byHeader);
      const now = new Set(users.filter((user) => selectTarget(deployment.traffic, ['x-user', user], Math.random)!.version.id === V2.id));
      for (const user of onNew) expect(now.has(user)).toBe(true);
      for (const user of onNew) now.delete(user);
      for (const user of now) onNew.add(user);
      expect(Math.abs((onNew.size / users.length) * 100 - weight)).toBeLessThanOrEqual(2);
    }
    expect(onNew.size).toBe(users.length);

    let previous = onNew;
    for (const weight of [90, 50, 10, 0]) {
      const deployment = deploymentOf([[V1, 100 - weight], [V2, weight]], byHeader);
      const now = new Set(users.filter((user) => selectTarget(deployment.traffic, ['x-user', user], Math.random)!.version.id === V2.id));
      for (const user of now) expect(previous.has(user)).toBe(true);
      previous = now;
    }
  });

  it('agrees across the functions of a service and draws other callers in another service', () => {
    const f = deploymentOf([[V1, 90], [V2, 10]], byHeader, 'api', 'f');
    const g = deploymentOf([[V1, 90], [V2, 10]], byHeader, 'api', 'g');
    const other = deploymentOf([[V1, 90], [V2, 10]], byHeader, 'billing', 'f');
    const canary = (d: FunctionDeployment) => users.filter((u) => selectTarget(d.traffic, ['x-user', u], Math.random)!.version.id === V2.id);
    const inF = canary(f);
    expect(canary(g)).toEqual(inF);
    const inBoth = canary(other).filter((u) => inF.includes(u)).length;
    expect(inBoth).toBeLessThan(inF.length / 2);
  });

  it('falls back to the weighted random choice without a key', () => {
    const deployment = deploymentOf([[V1, 50], [V2, 50]], byHeader);
    for (const headers of [[], ['x-user', ''], ['x-other', 'u1']]) {
      expect(selectTarget(deployment.traffic, headers, () => 0.1)!.version.id).toBe(V2.id);
      expect(selectTarget(deployment.traffic, headers, () => 0.9)!.version.id).toBe(V1.id);
    }
  });

  it('reads the key from a cookie', () => {
    const deployment = deploymentOf([[V1, 50], [V2, 50]], { sticky: { source: 'cookie', name: 'uid' } });
    const headerOnly = deploymentOf([[V1, 50], [V2, 50]], byHeader);
    const expected = (key: string) => selectTarget(headerOnly.traffic, ['x-user', key], Math.random)!.version.id;
    const viaCookie = (cookie: string, random: () => number) => selectTarget(deployment.traffic, ['Cookie', cookie], random)!.version.id;
    for (const user of users.slice(0, 300)) {
      for (const cookie of [`uid=${user}`, `a=1; uid=${user}; b=2`, `a=1;uid=${user}`, `uid="${user}"`, `xuid=0; uid=${user} `]) {
        expect(viaCookie(cookie, () => 0)).toBe(expected(user));
        expect(viaCookie(cookie, () => 0.999)).toBe(expected(user));
      }
    }
    // No such cookie (only a longer name, or an empty value): random choice.
    for (const cookie of ['uidx=1', 'uid=', 'other=uid=1', '']) {
      expect(viaCookie(cookie, () => 0)).toBe(V2.id);
      expect(viaCookie(cookie, () => 0.999)).toBe(V1.id);
    }
  });

  it('lets match rules take precedence over stickiness', () => {
    const deployment = deploymentOf([[V1, 100], [V2, 0]], { ...byHeader, match: [{ header: 'x-canary', value: '1', versionId: V2.id }] });
    expect(selectTarget(deployment.traffic, ['x-user', 'u1', 'x-canary', '1'], Math.random)!.version.id).toBe(V2.id);
    expect(selectTarget(deployment.traffic, ['x-user', 'u1'], Math.random)!.version.id).toBe(V1.id);
  });
});
