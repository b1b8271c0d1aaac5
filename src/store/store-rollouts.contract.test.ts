// Store contract, rollouts: at most one active rollout per service, enforced by the database across stores;
// compare-and-set saves on the revision (the fencing between control planes); listing and removal.

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isSluiceError } from '../errors/index.js';
import type { RolloutRecord, Store } from './index.js';
import { StoreHarness } from './testing/store-harness.js';
import { newRollout, rejection } from './testing/store-fixtures.js';

const harness = new StoreHarness(process.env.TEST_DATABASE_URL);
afterEach(() => harness.teardown());
afterAll(() => harness.dropSchemas());

const finished = (rollout: RolloutRecord, status: 'succeeded' | 'failed' | 'aborted' = 'succeeded') =>
  ({ status, state: { ...rollout.state, phase: status }, wakeAt: null });

/** Read-modify-write until the save lands: what the rollout driver does with every event. */
async function incrementCounter(store: Store, id: string): Promise<void> {
  for (;;) {
    const current = await store.getRollout(id);
    if (!current) throw new Error(`rollout ${id} vanished`);
    const count = (current.state.count as number | undefined) ?? 0;
    const saved = await store.saveRollout(id, current.revision, { status: 'active', state: { ...current.state, count: count + 1 }, wakeAt: null });
    if (saved) return;
  }
}

for (const target of harness.targets) {
  describe(`Store contract on ${target}: rollouts`, () => {
    it('creates a rollout at revision 1 and reads it back with its state', async () => {
      const { store, clock } = await harness.freshStore(target);
      const created = await store.createRollout(newRollout('r1', { wakeAt: clock.now() + 60_000 }));
      expect(created).toEqual({ ...newRollout('r1', { wakeAt: clock.now() + 60_000 }), revision: 1, createdAt: clock.now(), updatedAt: clock.now() });
      expect(await store.getRollout('r1')).toEqual(created);
      expect(await store.getRollout('nope')).toBeUndefined();
      expect(await store.findActiveRollout('workshop', 'prod', 'restapi')).toEqual(created);
      expect(await store.findActiveRollout('workshop', 'prod', 'database')).toBeUndefined();
    });

    it('refuses a second active rollout of a service with CONFLICT, and allows one once the first finished', async () => {
      const { store, clock } = await harness.freshStore(target);
      const first = await store.createRollout(newRollout('r1'));
      const error = await rejection(store.createRollout(newRollout('r2')));
      expect(isSluiceError(error) && error.code).toBe('CONFLICT');
      expect((error as Error).message).toContain('r1');
      expect(await store.getRollout('r2')).toBeUndefined();
      await store.createRollout(newRollout('other-service', { service: 'database' }));
      await store.createRollout(newRollout('other-stage', { stage: 'dev' }));
      await store.createRollout(newRollout('other-app', { app: 'other' }));
      clock.advance(10);
      expect(await store.saveRollout('r1', first.revision, finished(first, 'aborted'))).toMatchObject({ status: 'aborted', revision: 2 });
      const second = await store.createRollout(newRollout('r2'));
      expect(await store.findActiveRollout('workshop', 'prod', 'restapi')).toEqual(second);
      expect(isSluiceError(await rejection(store.createRollout(newRollout('r3'))))).toBe(true);
    });

    it('lets exactly one of many stores starting a rollout of one service at once win', async () => {
      const { store, other } = await harness.twoStores(target);
      const attempts = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => (i % 2 ? store : other).createRollout(newRollout(`r${i}`))));
      const won = attempts.filter((a) => a.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const lost of attempts.filter((a) => a.status === 'rejected')) {
        expect(isSluiceError(lost.reason) && lost.reason.code).toBe('CONFLICT');
      }
      expect((await store.listActiveRollouts()).map((r) => r.id)).toEqual([(won[0] as PromiseFulfilledResult<RolloutRecord>).value.id]);
    });

    it('keeps a transaction usable after a refused rollout, so its other writes commit', async () => {
      const { store } = await harness.freshStore(target);
      await store.createRollout(newRollout('r1'));
      await store.transaction(async (tx) => {
        const error = await rejection(tx.createRollout(newRollout('r2')));
        expect(isSluiceError(error) && error.code).toBe('CONFLICT');
        await tx.createDeployment({ id: 'd2', app: 'workshop', stage: 'prod', service: 'restapi', strategy: 'AllAtOnce', actor: 'ci' });
      });
      expect(await store.getDeployment('d2')).toBeDefined();
    });

    it('refuses a rollout id that exists, whatever its status', async () => {
      const { store } = await harness.freshStore(target);
      const first = await store.createRollout(newRollout('r1'));
      await store.saveRollout('r1', first.revision, finished(first));
      await expect(store.createRollout(newRollout('r1'))).rejects.toThrow(/already exists/);
    });

    it('saves only over the expected revision: a stale save changes nothing and returns undefined', async () => {
      const { store, clock } = await harness.freshStore(target);
      const created = await store.createRollout(newRollout('r1'));
      clock.advance(250);
      const update = { status: 'active' as const, state: { phase: 'shifting', weight: 10, lastAnalysis: [{ alarm: 'errors', value: null }] }, wakeAt: clock.now() + 300_000 };
      const saved = await store.saveRollout('r1', 1, update);
      expect(saved).toEqual({ ...created, ...update, revision: 2, updatedAt: created.createdAt + 250 });
      expect(await store.getRollout('r1')).toEqual(saved);
      expect(await store.saveRollout('r1', 1, { ...update, state: { phase: 'stale' } })).toBeUndefined();
      expect(await store.saveRollout('r1', 3, { ...update, state: { phase: 'ahead' } })).toBeUndefined();
      expect(await store.saveRollout('nope', 1, update)).toBeUndefined();
      expect(await store.getRollout('r1')).toEqual(saved);
      expect(await store.saveRollout('r1', 2, finished(created, 'failed'))).toMatchObject({ status: 'failed', revision: 3, wakeAt: null });
    });

    it('lets exactly one of two stores saving over the same revision win', async () => {
      const { store, other } = await harness.twoStores(target);
      let current = await store.createRollout(newRollout('r1'));
      for (let round = 0; round < 5; round++) {
        const results = await Promise.all([store, other].map((writer, i) =>
          writer.saveRollout('r1', current.revision, { status: 'active', state: { round, writer: i }, wakeAt: null })));
        const winners = results.filter((r) => r !== undefined);
        expect(winners).toHaveLength(1);
        current = winners[0] as RolloutRecord;
        expect(await other.getRollout('r1')).toEqual(current);
      }
      expect(current.revision).toBe(6);
    });

    it('loses no update when concurrent writers reload and retry after a stale save', async () => {
      const { store, other } = await harness.twoStores(target);
      await store.createRollout(newRollout('r1', { state: { count: 0 } }));
      await Promise.all(Array.from({ length: 8 }, (_, i) => incrementCounter(i % 2 ? store : other, 'r1')));
      const final = await store.getRollout('r1');
      expect(final?.state.count).toBe(8);
      expect(final?.revision).toBe(9);
    });

    it('refuses to make a finished rollout active again while its service has another active one', async () => {
      const { store } = await harness.freshStore(target);
      const first = await store.createRollout(newRollout('r1'));
      const ended = await store.saveRollout('r1', first.revision, finished(first));
      await store.createRollout(newRollout('r2'));
      const error = await rejection(store.saveRollout('r1', ended?.revision ?? 0, { status: 'active', state: {}, wakeAt: null }));
      expect(isSluiceError(error) && error.code).toBe('CONFLICT');
      expect(await store.getRollout('r1')).toEqual(ended);
    });

    it('lists the active rollouts of every app oldest first, and a stage\'s rollouts newest first', async () => {
      const { store, clock } = await harness.freshStore(target);
      const specs = [['r1', 'workshop', 'prod', 'restapi'], ['r2', 'other', 'prod', 'api'], ['r3', 'workshop', 'dev', 'restapi'], ['r4', 'workshop', 'prod', 'database']];
      for (const [id, app, stage, service] of specs) {
        await store.createRollout(newRollout(id, { app, stage, service }));
        clock.advance(10);
      }
      const r3 = await store.getRollout('r3');
      if (r3) await store.saveRollout('r3', r3.revision, finished(r3, 'failed'));
      await store.createRollout(newRollout('r5', { stage: 'dev' }));
      expect((await store.listActiveRollouts()).map((r) => r.id)).toEqual(['r1', 'r2', 'r4', 'r5']);
      const ids = async (query: Parameters<Store['listRollouts']>[0]) => (await store.listRollouts(query)).map((r) => r.id);
      expect(await ids({ app: 'workshop' })).toEqual(['r5', 'r4', 'r3', 'r1']);
      expect(await ids({ app: 'workshop', stage: 'dev' })).toEqual(['r5', 'r3']);
      expect(await ids({ app: 'workshop', stage: 'prod', service: 'restapi' })).toEqual(['r1']);
      expect(await ids({ app: 'workshop', limit: 2 })).toEqual(['r5', 'r4']);
      expect(await ids({ app: 'nobody' })).toEqual([]);
      expect((await store.listRollouts({ app: 'workshop', stage: 'dev' }))[1]).toMatchObject({ status: 'failed', revision: 2 });
    });

    it('deletes the rollouts of one stage of one app', async () => {
      const { store } = await harness.freshStore(target);
      await store.createRollout(newRollout('r1'));
      await store.createRollout(newRollout('r2', { service: 'database' }));
      await store.createRollout(newRollout('r3', { stage: 'dev' }));
      await store.createRollout(newRollout('r4', { app: 'other' }));
      await store.deleteRollouts('workshop', 'prod');
      expect(await store.listRollouts({ app: 'workshop' })).toHaveLength(1);
      expect((await store.listActiveRollouts()).map((r) => r.id).sort()).toEqual(['r3', 'r4']);
      expect(await store.findActiveRollout('workshop', 'prod', 'restapi')).toBeUndefined();
      await store.createRollout(newRollout('r5'));
      expect(await store.getRollout('r1')).toBeUndefined();
    });
  });
}
