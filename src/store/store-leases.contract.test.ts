// Store contract, leases (migration 0004): claiming due and orphaned rollouts, never one rollout by two
// claimers at once, renewal and release, fencing of saves and of writes in a transaction, the inbox for
// events, scheduled runs claimed once, notifications (PostgreSQL), and rollouts from before leases.

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RolloutClaim, Store } from './index.js';
import { StoreHarness } from './testing/store-harness.js';
import { newRollout } from './testing/store-fixtures.js';

const harness = new StoreHarness(process.env.TEST_DATABASE_URL);
afterEach(() => harness.teardown());
afterAll(() => harness.dropSchemas());

const TTL = 10_000;
const ids = (claims: RolloutClaim[]) => claims.map((c) => c.rollout.id).sort();
const active = (state: Record<string, unknown> = { phase: 'shifting' }) => ({ status: 'active' as const, state, wakeAt: null });

/** n active rollouts (one per service), due at `wakeAt`. */
async function rollouts(store: Store, n: number, wakeAt: number | null): Promise<string[]> {
  const created: string[] = [];
  for (let i = 0; i < n; i++) created.push((await store.createRollout(newRollout(`r${i}`, { service: `s${i}`, wakeAt }))).id);
  return created;
}

for (const target of harness.targets) {
  describe(`Store contract on ${target}: leases`, () => {
    it('creates a rollout leased to its creator, and claims only due free rollouts', async () => {
      const { store, clock } = await harness.freshStore(target);
      const now = clock.now();
      const leased = await store.createRollout(newRollout('mine', { service: 'a', wakeAt: now - 1 }), { holder: 'p1', now, ttlMs: TTL });
      expect(leased.lease).toEqual({ holder: 'p1', token: 1, expiresAt: now + TTL });
      await store.createRollout(newRollout('due', { service: 'b', wakeAt: now }));
      await store.createRollout(newRollout('later', { service: 'c', wakeAt: now + 1 }));
      await store.createRollout(newRollout('waiting', { service: 'd', wakeAt: null }));
      const claims = await store.claimDueRollouts('p2', now, TTL, 10);
      expect(claims).toEqual([{ rollout: expect.objectContaining({ id: 'due', lease: { holder: 'p2', token: 1, expiresAt: now + TTL } }), lease: { holder: 'p2', token: 1, expiresAt: now + TTL }, previousHolder: null, previousExpiresAt: null }]);
      expect(await store.claimDueRollouts('p3', now, TTL, 10)).toEqual([]);
      expect((await store.getRollout('waiting'))?.lease).toBeUndefined();
    });

    it('takes over a lease that expired, with a greater token, and says from whom', async () => {
      const { store, clock } = await harness.freshStore(target);
      const now = clock.now();
      await store.createRollout(newRollout('r1', { wakeAt: null }), { holder: 'dead', now, ttlMs: TTL });
      expect(await store.claimDueRollouts('p2', now + TTL - 1, TTL, 10)).toEqual([]);
      const [claim] = await store.claimDueRollouts('p2', now + TTL, TTL, 10);
      expect(claim).toMatchObject({ lease: { holder: 'p2', token: 2, expiresAt: now + 2 * TTL }, previousHolder: 'dead', previousExpiresAt: now + TTL });
      // The dead holder's writes are refused from now on; the new holder's go through.
      const current = (await store.getRollout('r1'))!;
      expect(await store.saveRollout('r1', current.revision, active(), { holder: 'dead', token: 1 })).toBeUndefined();
      expect(await store.saveRollout('r1', current.revision, active(), { holder: 'p2', token: 2 })).toMatchObject({ revision: current.revision + 1, lease: { holder: 'p2', token: 2 } });
    });

    it('takes back its own leases after a restart only when asked to, and never a lease another holder keeps', async () => {
      const { store, clock } = await harness.freshStore(target);
      const now = clock.now();
      await store.createRollout(newRollout('own', { service: 'a', wakeAt: null }), { holder: 'p1', now, ttlMs: TTL });
      await store.createRollout(newRollout('theirs', { service: 'b', wakeAt: now - 5 }), { holder: 'p2', now, ttlMs: TTL });
      expect(await store.claimDueRollouts('p1', now, TTL, 10)).toEqual([]);
      const claims = await store.claimDueRollouts('p1', now, TTL, 10, { includeOwn: true });
      expect(claims.map((c) => [c.rollout.id, c.lease.token, c.previousHolder])).toEqual([['own', 2, 'p1']]);
    });

    it('claims one rollout for an event when free, expired or its own, whatever its wake time', async () => {
      const { store, clock } = await harness.freshStore(target);
      const now = clock.now();
      await store.createRollout(newRollout('free', { service: 'a', wakeAt: null }));
      await store.createRollout(newRollout('held', { service: 'b', wakeAt: null }), { holder: 'p2', now, ttlMs: TTL });
      expect((await store.claimRollout('free', 'p1', now, TTL))?.lease).toEqual({ holder: 'p1', token: 1, expiresAt: now + TTL });
      expect(await store.claimRollout('held', 'p1', now, TTL)).toBeUndefined();
      expect((await store.claimRollout('held', 'p2', now, TTL))?.lease.token).toBe(2);
      expect((await store.claimRollout('held', 'p1', now + TTL, TTL))?.previousHolder).toBe('p2');
      expect(await store.claimRollout('nope', 'p1', now, TTL)).toBeUndefined();
      const ended = (await store.getRollout('free'))!;
      await store.saveRollout('free', ended.revision, { status: 'succeeded', state: {}, wakeAt: null }, { holder: 'p1', token: 1 });
      expect(await store.claimRollout('free', 'p1', now, TTL)).toBeUndefined();
    });

    it('never lets two claimers claiming at once take the same rollout', async () => {
      // Two stores are two connections on PostgreSQL; on SQLite one store's queue stands for the single writer.
      const opened = target === 'postgres' ? await harness.twoStores(target) : { ...(await harness.freshStore(target)), other: undefined };
      const { store, clock } = opened;
      const other = opened.other ?? store;
      await rollouts(store, 30, clock.now());
      const rounds = await Promise.all(['p1', 'p2', 'p1', 'p2', 'p1', 'p2'].map((holder, i) => (i % 2 ? other : store).claimDueRollouts(holder, clock.now(), TTL, 7)));
      const claimed = rounds.flatMap(ids);
      expect(claimed).toHaveLength(new Set(claimed).size);
      expect(new Set(claimed).size).toBe(30);
      expect(rounds.flat().every((c) => c.lease.token === 1)).toBe(true);
    });

    it('fences saves: a stale token or an unleased save is refused while a lease is held, and ending releases it', async () => {
      const { store, clock } = await harness.freshStore(target);
      const created = await store.createRollout(newRollout('r1'), { holder: 'p1', now: clock.now(), ttlMs: TTL });
      expect(await store.saveRollout('r1', created.revision, active())).toBeUndefined();
      expect(await store.saveRollout('r1', created.revision, active(), { holder: 'p1', token: 0 })).toBeUndefined();
      expect(await store.saveRollout('r1', created.revision, active(), { holder: 'p2', token: 1 })).toBeUndefined();
      const saved = await store.saveRollout('r1', created.revision, active({ phase: 'shifting', weight: 10 }), { holder: 'p1', token: 1 });
      expect(saved).toMatchObject({ revision: 2, state: { weight: 10 }, lease: { holder: 'p1', token: 1 } });
      const ended = await store.saveRollout('r1', 2, { status: 'succeeded', state: { phase: 'succeeded' }, wakeAt: null }, { holder: 'p1', token: 1 });
      expect(ended?.status).toBe('succeeded');
      expect(ended?.lease).toBeUndefined();
      expect(await store.claimDueRollouts('p2', clock.now() + 10 * TTL, TTL, 10)).toEqual([]);
    });

    it('renews only the leases the holder still has, and says which have events waiting', async () => {
      const { store, clock } = await harness.freshStore(target);
      const now = clock.now();
      await store.createRollout(newRollout('a', { service: 'a', wakeAt: now + 5 }), { holder: 'p1', now, ttlMs: TTL });
      await store.createRollout(newRollout('b', { service: 'b', wakeAt: null }), { holder: 'p1', now, ttlMs: TTL });
      await store.claimRollout('b', 'p2', now + TTL, TTL);
      await store.postRolloutEvent('a', { type: 'pause', actor: 'ann' });
      const renewed = await store.renewRolloutLeases('p1', [{ id: 'a', token: 1 }, { id: 'b', token: 1 }, { id: 'nope', token: 1 }], now + 100, TTL);
      expect(renewed).toEqual([{ id: 'a', lease: { holder: 'p1', token: 1, expiresAt: now + 100 + TTL }, wakeAt: now + 5, inbox: true }]);
      expect((await store.getRollout('a'))?.lease?.expiresAt).toBe(now + 100 + TTL);
      expect(await store.renewRolloutLeases('p1', [], now, TTL)).toEqual([]);
    });

    it('releases a lease due at once for the next claimer, and only with the current token', async () => {
      const { store, clock } = await harness.freshStore(target);
      const now = clock.now();
      await store.createRollout(newRollout('r1', { wakeAt: now + 60_000 }), { holder: 'p1', now, ttlMs: TTL });
      expect(await store.releaseRolloutLease('r1', { holder: 'p1', token: 7 }, now)).toBe(false);
      expect(await store.releaseRolloutLease('r1', { holder: 'p1', token: 1 }, now + 3)).toBe(true);
      expect(await store.getRollout('r1')).toMatchObject({ wakeAt: now + 3 });
      expect((await store.getRollout('r1'))?.lease).toBeUndefined();
      expect((await store.claimDueRollouts('p2', now + 3, TTL, 10)).map((c) => c.lease.token)).toEqual([2]);
    });

    it('checks a lease inside a transaction, which then rolls back whole when it is lost', async () => {
      const { store, clock } = await harness.freshStore(target);
      await store.createRollout(newRollout('r1'), { holder: 'p1', now: clock.now(), ttlMs: TTL });
      expect(await store.holdsRolloutLease('r1', { holder: 'p1', token: 1 })).toBe(true);
      expect(await store.holdsRolloutLease('r1', { holder: 'p1', token: 2 })).toBe(false);
      await store.claimRollout('r1', 'p2', clock.now() + TTL, TTL);
      const attempt = store.transaction(async (tx) => {
        await tx.upsertStage({ app: 'workshop', name: 'prod', profile: 'prod', kind: 'stage' });
        if (!(await tx.holdsRolloutLease('r1', { holder: 'p1', token: 1 }))) throw new Error('lease lost');
      });
      await expect(attempt).rejects.toThrow('lease lost');
      expect(await store.getStage('workshop', 'prod')).toBeUndefined();
    });

    it('keeps events for the holder in an inbox until one transaction applies them', async () => {
      const { store } = await harness.freshStore(target);
      await store.createRollout(newRollout('r1'));
      const first = await store.postRolloutEvent('r1', { type: 'pause', actor: 'ann' });
      const second = await store.postRolloutEvent('r1', { type: 'resume', actor: 'bob' });
      await store.postRolloutEvent('r2', { type: 'abort', actor: 'cy' });
      expect(await store.listRolloutInbox('r1')).toEqual([{ id: first, payload: { type: 'pause', actor: 'ann' } }, { id: second, payload: { type: 'resume', actor: 'bob' } }]);
      expect(await store.isInboxEntryPending(first)).toBe(true);
      await expect(store.transaction(async (tx) => {
        expect(await tx.consumeInboxEntry(first)).toBe(true);
        throw new Error('the save was refused');
      })).rejects.toThrow();
      expect(await store.isInboxEntryPending(first)).toBe(true);
      expect(await store.consumeInboxEntry(first)).toBe(true);
      expect(await store.consumeInboxEntry(first)).toBe(false);
      expect(await store.isInboxEntryPending(first)).toBe(false);
      expect((await store.listRolloutInbox('r1')).map((e) => e.id)).toEqual([second]);
    });

    it('lets exactly one gateway claim each run of a schedule', async () => {
      const { store, other } = target === 'postgres' ? await harness.twoStores(target) : { ...(await harness.freshStore(target)), other: undefined };
      const tick = { app: 'workshop', stage: 'dev', service: 'tasks', function: 'report', schedule: 'rate(1 minute)#null', scheduledAt: 60_000, holder: 'g1' };
      const results = await Promise.all(['g1', 'g2', 'g3', 'g4'].map((holder, i) => (i % 2 && other ? other : store).claimScheduleTick({ ...tick, holder })));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.claimScheduleTick({ ...tick, holder: 'g2' })).toBe(false);
      expect(await store.claimScheduleTick({ ...tick, scheduledAt: 120_000, holder: 'g2' })).toBe(true);
      expect(await store.claimScheduleTick({ ...tick, schedule: 'cron(0 12 * * ? *)#null', holder: 'g2' })).toBe(true);
      expect(await store.claimScheduleTick({ ...tick, stage: 'prod', holder: 'g2' })).toBe(true);
    });

    it('makes rollouts from before leases due at once, with no holder', async () => {
      const location = harness.createLocation(target);
      const old = await harness.migrateTo(location, '0003-tokens-and-audit');
      const row = { app: 'workshop', stage: 'prod', deployment_id: 'd', state: '{}', revision: 3, created_at: 1, updated_at: 1 };
      await old.db.insertInto('rollouts').values([
        { ...row, id: 'paused', service: 'a', status: 'active', wake_at: null },
        { ...row, id: 'ended', service: 'b', status: 'succeeded', wake_at: null },
      ]).execute();
      await old.close();
      const store = await harness.openAt(location);
      expect(await store.getRollout('paused')).toMatchObject({ wakeAt: 0, revision: 3 });
      expect((await store.getRollout('paused'))?.lease).toBeUndefined();
      expect(await store.getRollout('ended')).toMatchObject({ wakeAt: null });
      expect(ids(await store.claimDueRollouts('p1', 1, TTL, 10))).toEqual(['paused']);
    });
  });
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('Store contract on postgres: notifications and row locks', () => {
  it('tells listeners of other stores about routing changes and released work, at commit', async () => {
    const { store, other } = await harness.twoStores('postgres');
    const heard: string[] = [];
    const unsubscribe = await other.onNotification('routing', () => heard.push('routing'));
    harness.defer(unsubscribe);
    harness.defer(await other.onNotification('work', () => heard.push('work')));
    const waitFor = (what: string) => expect.poll(() => heard.filter((h) => h === what).length, { timeout: 5000 });
    await store.transaction(async (tx) => {
      await tx.bumpRoutingGeneration();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(heard).toEqual([]);
    });
    await waitFor('routing').toBe(1);
    await store.createRollout(newRollout('r1'));
    await store.postRolloutEvent('r1', { type: 'pause', actor: 'ann' });
    await waitFor('work').toBe(1);
    await unsubscribe();
    await store.bumpRoutingGeneration();
    await store.postRolloutEvent('r1', { type: 'resume', actor: 'ann' });
    await waitFor('work').toBe(2);
    expect(heard.filter((h) => h === 'routing')).toHaveLength(1);
  });

  it('keeps a claimer off a rollout whose holder checks its lease in an open transaction', async () => {
    const { store, other, clock } = await harness.twoStores('postgres');
    const now = clock.now();
    await store.createRollout(newRollout('r1', { wakeAt: now }), { holder: 'p1', now: now - TTL, ttlMs: TTL });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const transaction = store.transaction(async (tx) => {
      expect(await tx.holdsRolloutLease('r1', { holder: 'p1', token: 1 })).toBe(true);
      await held;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await other.claimDueRollouts('p2', now, TTL, 10)).toEqual([]);
    release();
    await transaction;
    expect(ids(await other.claimDueRollouts('p2', now, TTL, 10))).toEqual(['r1']);
  });
});

describe('Store contract on sqlite: notifications', () => {
  it('accepts listeners and never calls them (polling is the way on SQLite)', async () => {
    const { store } = await harness.freshStore('sqlite');
    let calls = 0;
    const unsubscribe = await store.onNotification('routing', () => calls++);
    await store.bumpRoutingGeneration();
    await unsubscribe();
    expect(calls).toBe(0);
  });
});
