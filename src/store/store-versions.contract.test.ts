// Store contract, versions: content-addressed artifacts, immutable numbered function versions, and the
// collection of those nothing references any more.

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { StoreHarness } from './testing/store-harness.js';
import { config, live, newVersion } from './testing/store-fixtures.js';

const harness = new StoreHarness(process.env.TEST_DATABASE_URL);
afterEach(() => harness.teardown());
afterAll(() => harness.dropSchemas());

for (const target of harness.targets) {
  describe(`Store contract on ${target}: artifacts and versions`, () => {
    it('stores artifacts by hash, byte for byte, idempotently', async () => {
      const { store } = await harness.freshStore(target);
      const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0, 0x7f]);
      await store.putArtifact('h1', bytes);
      await store.putArtifact('h1', bytes);
      expect(Buffer.compare((await store.getArtifact('h1')) ?? Buffer.alloc(0), bytes)).toBe(0);
      expect(await store.getArtifact('missing')).toBeUndefined();
    });

    it('deletes only artifacts that no version uses', async () => {
      const { store } = await harness.freshStore(target);
      await store.putArtifact('code-v1', Buffer.from('one'));
      await store.putArtifact('orphan-1', Buffer.from('two'));
      await store.putArtifact('orphan-2', Buffer.from('three'));
      await store.createVersion(newVersion('v1'));
      expect(await store.deleteUnreferencedArtifacts()).toBe(2);
      expect(await store.getArtifact('code-v1')).toBeDefined();
      expect(await store.getArtifact('orphan-1')).toBeUndefined();
      expect(await store.deleteUnreferencedArtifacts()).toBe(0);
    });

    it('numbers versions per function and returns the existing record for a known id', async () => {
      const { store, clock } = await harness.freshStore(target);
      const v1 = await store.createVersion(newVersion('v1'));
      clock.advance(10);
      const v2 = await store.createVersion(newVersion('v2', { config: config({ timeout: 9 }) }));
      const other = await store.createVersion(newVersion('t1', { function: 'list' }));
      const again = await store.createVersion(newVersion('v1', { codeHash: 'ignored', config: config({ memory: 1 }) }));
      expect([v1.number, v2.number, other.number]).toEqual([1, 2, 1]);
      expect(again).toEqual(v1);
      expect(v1).toEqual({ ...newVersion('v1'), number: 1, createdAt: clock.now() - 10 });
      expect(await store.getVersion('v2')).toEqual(v2);
      expect((await store.getVersion('v2'))?.config.timeout).toBe(9);
      expect(await store.getVersion('nope')).toBeUndefined();
      expect((await store.listVersions('workshop', 'restapi')).map((v) => v.id)).toEqual(['t1', 'v1', 'v2']);
      expect((await store.listVersions('workshop', 'restapi', 'submit')).map((v) => v.number)).toEqual([1, 2]);
    });

    it('gives concurrent publications distinct consecutive numbers', async () => {
      const { store } = await harness.freshStore(target);
      const ids = Array.from({ length: 12 }, (_, i) => `c${i}`);
      const created = await Promise.all(ids.map((id) => store.createVersion(newVersion(id))));
      expect(created.map((v) => v.number).sort((a, b) => a - b)).toEqual(ids.map((_, i) => i + 1));
      const same = await Promise.all(Array.from({ length: 5 }, () => store.createVersion(newVersion('dup'))));
      expect(new Set(same.map((v) => v.number))).toEqual(new Set([13]));
      expect(await store.listVersions('workshop', 'restapi', 'submit')).toHaveLength(13);
    });

    it('refuses a known version id under another function', async () => {
      const { store } = await harness.freshStore(target);
      await store.createVersion(newVersion('v1'));
      await expect(store.createVersion(newVersion('v1', { function: 'other' }))).rejects.toThrow(/already belongs/);
    });

    it('deletes the versions of an app that no alias of any stage and no deployment references', async () => {
      const { store } = await harness.freshStore(target);
      for (const id of ['live-dev', 'canary-prod', 'history', 'unused-1', 'unused-2']) await store.createVersion(newVersion(id));
      await store.createVersion(newVersion('other-app', { app: 'other' }));
      await store.setAlias(live('restapi', 'submit', [{ versionId: 'live-dev', weight: 100 }]));
      await store.setAlias({ ...live('restapi', 'submit', [{ versionId: 'canary-prod', weight: 100 }], 'prod'), name: 'canary' });
      await store.createDeployment({ id: 'd1', app: 'workshop', stage: 'staging', service: 'restapi', strategy: 'AllAtOnce', actor: 'ci' });
      await store.finishDeployment('d1', { status: 'succeeded', changes: [{ function: 'submit', from: 'history', to: 'live-dev' }] });
      expect(await store.deleteUnreferencedVersions('workshop')).toEqual(['unused-1', 'unused-2']);
      expect(await store.getVersion('other-app')).toBeDefined();
      expect((await store.listVersions('workshop', 'restapi')).map((v) => v.id)).toEqual(['live-dev', 'canary-prod', 'history']);
      await store.deleteAliases('workshop', 'prod');
      await store.deleteDeployments('workshop', 'staging');
      expect(await store.deleteUnreferencedVersions('workshop')).toEqual(['canary-prod', 'history']);
      expect(await store.deleteUnreferencedVersions('workshop')).toEqual([]);
    });

    it('keeps a version that an alias targets with weight 0 (a match rule routes to it)', async () => {
      const { store } = await harness.freshStore(target);
      for (const id of ['v1', 'v2', 'unused']) await store.createVersion(newVersion(id));
      await store.setAlias(live('restapi', 'submit', [{ versionId: 'v1', weight: 100 }, { versionId: 'v2', weight: 0 }], 'prod', {
        match: [{ header: 'x-variant', value: 'b', versionId: 'v2' }],
      }));
      expect(await store.deleteUnreferencedVersions('workshop')).toEqual(['unused']);
    });
  });
}
