// recordCommitAliases on a real (SQLite) store: which version a commit stands for, one routing change per
// call, and what it refuses. The gateway side is in src/runtime/gateway-previews.test.ts.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isSluiceError } from '../errors/index.js';
import { createSecretBox } from '../secrets/index.js';
import { openStore, type AliasTarget, type Store } from '../store/index.js';
import { commitAliasName, recordCommitAliases } from './commit-aliases.js';
import type { EngineContext } from './ports.js';

const undo: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (undo.length > 0) await undo.pop()!();
});

const SHA = 'ABCDEF0123456789abcdef0123456789abcdef01';

async function engine(): Promise<{ ctx: EngineContext; store: Store; routingChanges: () => number }> {
  const home = await mkdtemp(join(tmpdir(), 'sluice-commits-'));
  undo.push(() => rm(home, { recursive: true, force: true }));
  const store = await openStore({ home });
  undo.push(() => store.close());
  const config = { runtime: 'node20', handler: 'h.h', handlerExport: 'h', timeout: 6, memory: 128, concurrency: 1, environment: {}, secretEnvironment: {}, events: [] };
  for (const [service, fn, id] of [['api', 'f', 'f1'], ['api', 'f', 'f2'], ['api', 'g', 'g1'], ['web', 'h', 'h1'], ['api', 'n', 'n1']]) {
    await store.createVersion({ id, app: 'shop', service, function: fn, codeHash: `code-${id}`, config });
  }
  let changes = 0;
  const ctx: EngineContext = {
    store,
    invoker: { invoke: async () => ({ result: null }) },
    secrets: createSecretBox(randomBytes(32)),
    routing: { routingChanged: async () => void changes++ },
    gatewayUrl: 'http://127.0.0.1:4601/',
    env: {},
    region: 'local',
    now: () => 1,
  };
  return { ctx, store, routingChanges: () => changes };
}

function live(store: Store, service: string, fn: string, targets: AliasTarget[], stage = 'pr-1') {
  return store.setAlias({ app: 'shop', stage, service, function: fn, name: 'live', targets });
}

describe('recordCommitAliases', () => {
  it('points commit-<sha7> of every function at its live version with the most weight, and changes the routing once', async () => {
    const { ctx, store, routingChanges } = await engine();
    await live(store, 'api', 'f', [{ versionId: 'f1', weight: 90 }, { versionId: 'f2', weight: 10 }]);
    await live(store, 'api', 'g', [{ versionId: 'g1', weight: 100 }]);
    await live(store, 'web', 'h', [{ versionId: 'h1', weight: 100 }]);
    // Only reachable through a match rule so far: the commit has no version of it yet.
    await store.setAlias({ app: 'shop', stage: 'pr-1', service: 'api', function: 'n', name: 'live', targets: [{ versionId: 'n1', weight: 0 }] });
    await live(store, 'api', 'f', [{ versionId: 'f1', weight: 100 }], 'other');
    const generation = await store.getRoutingGeneration();

    const urls = await recordCommitAliases(ctx, { app: 'shop', stage: 'pr-1', sha: SHA });
    expect(urls).toEqual({ api: 'http://127.0.0.1:4601/c/abcdef0/shop/pr-1/api', web: 'http://127.0.0.1:4601/c/abcdef0/shop/pr-1/web' });
    const commits = (await store.listAliases('shop', 'pr-1')).filter((a) => a.name === 'commit-abcdef0');
    expect(commits.map((a) => [a.service, a.function, a.targets])).toEqual([
      ['api', 'f', [{ versionId: 'f1', weight: 100 }]],
      ['api', 'g', [{ versionId: 'g1', weight: 100 }]],
      ['web', 'h', [{ versionId: 'h1', weight: 100 }]],
    ]);
    expect(await store.listAliases('shop', 'other')).toHaveLength(1);
    expect(await store.getRoutingGeneration()).toBe(generation + 1);
    expect(routingChanges()).toBe(1);
  });

  it('takes the new version on a tie mid-rollout, and moves the aliases when the same commit is recorded again', async () => {
    const { ctx, store } = await engine();
    await live(store, 'api', 'f', [{ versionId: 'f1', weight: 50 }, { versionId: 'f2', weight: 50 }]);
    await recordCommitAliases(ctx, { app: 'shop', stage: 'pr-1', sha: SHA });
    const commitTargets = async () => (await store.listAliases('shop', 'pr-1')).find((a) => a.name === commitAliasName(SHA))?.targets;
    expect(await commitTargets()).toEqual([{ versionId: 'f2', weight: 100 }]);
    await live(store, 'api', 'f', [{ versionId: 'f1', weight: 100 }]);
    await recordCommitAliases(ctx, { app: 'shop', stage: 'pr-1', sha: SHA.slice(0, 7) });
    expect(await commitTargets()).toEqual([{ versionId: 'f1', weight: 100 }]);
  });

  it('records nothing and leaves the routing alone for a stage that serves nothing', async () => {
    const { ctx, store, routingChanges } = await engine();
    expect(await recordCommitAliases(ctx, { app: 'shop', stage: 'pr-1', sha: SHA })).toEqual({});
    expect(await store.getRoutingGeneration()).toBe(0);
    expect(routingChanges()).toBe(0);
  });

  it('refuses what is not a commit sha with INVALID_ARGUMENT', async () => {
    const { ctx, store } = await engine();
    await live(store, 'api', 'f', [{ versionId: 'f1', weight: 100 }]);
    for (const sha of ['abc12', 'not-a-sha', `${SHA}00`]) {
      const error = await recordCommitAliases(ctx, { app: 'shop', stage: 'pr-1', sha }).catch((e: unknown) => e);
      expect(isSluiceError(error) && error.code).toBe('INVALID_ARGUMENT');
    }
    expect((await store.listAliases('shop', 'pr-1')).map((a) => a.name)).toEqual(['live']);
  });
});
