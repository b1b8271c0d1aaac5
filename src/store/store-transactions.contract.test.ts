// Store contract, transactions: commit, rollback of every write, nested calls, and a stage removal's
// deletes (rollouts included) in one transaction.

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { StoreHarness } from './testing/store-harness.js';
import { live, newRollout, newVersion, rejection } from './testing/store-fixtures.js';

const harness = new StoreHarness(process.env.TEST_DATABASE_URL);
afterEach(() => harness.teardown());
afterAll(() => harness.dropSchemas());

for (const target of harness.targets) {
  describe(`Store contract on ${target}: transactions`, () => {
    it('commits the writes of fn and returns its result', async () => {
      const { store } = await harness.freshStore(target);
      await store.createVersion(newVersion('v1'));
      const result = await store.transaction(async (tx) => {
        await tx.upsertStage({ app: 'workshop', name: 'dev', profile: 'dev', kind: 'stage' });
        await tx.setAlias(live('restapi', 'submit', [{ versionId: 'v1', weight: 100 }]));
        return tx.bumpRoutingGeneration();
      });
      expect(result).toBe(1);
      expect(await store.getStage('workshop', 'dev')).toBeDefined();
      expect(await store.listAliases('workshop', 'dev')).toHaveLength(1);
    });

    it('rolls every write back when fn throws, including multi-statement ones', async () => {
      const { store } = await harness.freshStore(target);
      await store.createVersion(newVersion('v1'));
      await store.setOutputs('workshop', 'dev', 'database', { tableName: 'before' });
      const error = await rejection(store.transaction(async (tx) => {
        await tx.upsertStage({ app: 'workshop', name: 'dev', profile: 'dev', kind: 'stage' });
        await tx.setOutputs('workshop', 'dev', 'database', { tableName: 'after' });
        await tx.createVersion(newVersion('v2'));
        await tx.bumpRoutingGeneration();
        throw new Error('boom');
      }));
      expect((error as Error).message).toBe('boom');
      expect(await store.getStage('workshop', 'dev')).toBeUndefined();
      expect(await store.getOutput('workshop', 'dev', 'database', 'tableName')).toBe('before');
      expect(await store.getVersion('v2')).toBeUndefined();
      expect(await store.getRoutingGeneration()).toBe(0);
    });

    it('reuses the open transaction for a nested call', async () => {
      const { store } = await harness.freshStore(target);
      await rejection(store.transaction(async (tx) => {
        const inner = await tx.transaction(async (nested) => {
          expect(nested).toBe(tx);
          await nested.setParam('dev', 'env', 'dev');
          return 'inner';
        });
        expect(inner).toBe('inner');
        throw new Error('outer fails');
      }));
      expect(await store.listParams('dev')).toEqual({});
    });

    it('numbers versions inside a transaction too', async () => {
      const { store } = await harness.freshStore(target);
      await store.createVersion(newVersion('v1'));
      const created = await store.transaction(async (tx) => [await tx.createVersion(newVersion('v2')), await tx.createVersion(newVersion('v3'))]);
      expect(created.map((v) => v.number)).toEqual([2, 3]);
    });

    it('removes a stage\'s rollouts with its deployments in one transaction, in either order, or not at all', async () => {
      const { store } = await harness.freshStore(target);
      for (const id of ['v1', 'v2']) await store.createVersion(newVersion(id));
      await store.setAlias(live('restapi', 'submit', [{ versionId: 'v1', weight: 100 }], 'prod'));
      await store.setAlias(live('restapi', 'submit', [{ versionId: 'v2', weight: 100 }], 'alice'));
      for (const [id, stage] of [['r1', 'alice'], ['r2', 'alice'], ['r3', 'prod']] as const) {
        await store.createDeployment({ id: `d-${id}`, app: 'workshop', stage, service: id === 'r2' ? 'database' : 'restapi', strategy: 'Canary', actor: 'ci' });
        await store.createRollout(newRollout(id, { stage, service: id === 'r2' ? 'database' : 'restapi' }));
      }
      const removeAlice = (fail: boolean) => store.transaction(async (tx) => {
        await tx.deleteAliases('workshop', 'alice');
        await tx.deleteDeployments('workshop', 'alice');
        await tx.deleteRollouts('workshop', 'alice');
        const versions = await tx.deleteUnreferencedVersions('workshop');
        if (fail) throw new Error('removal interrupted');
        return versions;
      });
      await rejection(removeAlice(true));
      expect((await store.listRollouts({ app: 'workshop', stage: 'alice' })).map((r) => r.id)).toEqual(['r2', 'r1']);
      expect(await removeAlice(false)).toEqual(['v2']);
      expect(await store.listRollouts({ app: 'workshop', stage: 'alice' })).toEqual([]);
      expect((await store.listActiveRollouts()).map((r) => r.id)).toEqual(['r3']);
      expect((await store.listDeployments({ app: 'workshop' })).map((d) => d.id)).toEqual(['d-r3']);
    });
  });
}
