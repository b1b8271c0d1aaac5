// Store contract, master key rotation: every sealed value is listed (secrets, versions' secret environment,
// repositories' webhook secrets), and replacing them rewrites the ciphertexts only.

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { StoreHarness } from './testing/store-harness.js';
import { config, newVersion } from './testing/store-fixtures.js';

const harness = new StoreHarness(process.env.TEST_DATABASE_URL);
afterEach(() => harness.teardown());
afterAll(() => harness.dropSchemas());

for (const target of harness.targets) {
  describe(`Store contract on ${target}: sealed values`, () => {
    it('lists secrets and version secret values, and replaces them in place', async () => {
      const { store, clock } = await harness.freshStore(target);
      await store.setSecret('dev', 'API_KEY', 'old-1');
      await store.setSecret('prod', 'API_KEY', 'old-2');
      await store.createVersion(newVersion('v1', { config: config({ secretEnvironment: { API_KEY: 'old-3', TOKEN: 'old-4' } }) }));
      await store.createVersion(newVersion('v2', { config: config({ secretEnvironment: {} }) }));
      expect(await store.listSealedValues()).toEqual([
        { kind: 'secret', profile: 'dev', name: 'API_KEY', ciphertext: 'old-1' },
        { kind: 'secret', profile: 'prod', name: 'API_KEY', ciphertext: 'old-2' },
        { kind: 'version', versionId: 'v1', name: 'API_KEY', ciphertext: 'old-3' },
        { kind: 'version', versionId: 'v1', name: 'TOKEN', ciphertext: 'old-4' },
      ]);
      const before = await store.getVersion('v1');
      const updatedAt = (await store.listSecrets('dev'))[0].updatedAt;
      clock.advance(1000);

      await store.transaction((tx) =>
        tx.replaceSealedValues([
          { kind: 'secret', profile: 'dev', name: 'API_KEY', ciphertext: 'new-1' },
          { kind: 'secret', profile: 'prod', name: 'API_KEY', ciphertext: 'new-2' },
          { kind: 'version', versionId: 'v1', name: 'API_KEY', ciphertext: 'new-3' },
          { kind: 'version', versionId: 'v1', name: 'TOKEN', ciphertext: 'new-4' },
          { kind: 'version', versionId: 'v1', name: 'UNKNOWN', ciphertext: 'ignored' },
          { kind: 'version', versionId: 'gone', name: 'API_KEY', ciphertext: 'ignored' },
        ]),
      );

      expect((await store.listSealedValues()).map((v) => v.ciphertext)).toEqual(['new-1', 'new-2', 'new-3', 'new-4']);
      const after = await store.getVersion('v1');
      expect(after).toEqual({ ...before, config: { ...before!.config, secretEnvironment: { API_KEY: 'new-3', TOKEN: 'new-4' } } });
      expect((await store.listSecrets('dev'))[0].updatedAt).toBe(updatedAt);
    });

    it('lists and replaces the webhook secrets of connected repositories', async () => {
      const { store } = await harness.freshStore(target);
      const repo = { app: 'shop', kind: 'github' as const, url: 'https://github.com/o/shop.git', appDir: '.', githubRepo: 'o/shop', pollIntervalMs: 0 };
      await store.upsertRepository({ ...repo, id: 'r1', webhookSecret: 'old-hook' });
      await store.upsertRepository({ ...repo, id: 'r2', kind: 'git', webhookSecret: null });
      expect(await store.listSealedValues()).toEqual([{ kind: 'webhook', repoId: 'r1', ciphertext: 'old-hook' }]);
      await store.transaction((tx) => tx.replaceSealedValues([{ kind: 'webhook', repoId: 'r1', ciphertext: 'new-hook' }]));
      expect((await store.getRepository('r1'))?.webhookSecret).toBe('new-hook');
      expect((await store.getRepository('r2'))?.webhookSecret).toBeNull();
    });
  });
}
