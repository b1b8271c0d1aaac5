// Store contract, routing: aliases with weighted targets and rules (sticky, header match), the routing
// snapshot the gateway serves from, and its generation counter.

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isSluiceError } from '../errors/index.js';
import type { AliasRules } from './index.js';
import { StoreHarness } from './testing/store-harness.js';
import { config, instance, live, newVersion, rejection } from './testing/store-fixtures.js';

const harness = new StoreHarness(process.env.TEST_DATABASE_URL);
afterEach(() => harness.teardown());
afterAll(() => harness.dropSchemas());

const abRules: AliasRules = {
  sticky: { source: 'cookie', name: 'session' },
  match: [
    { header: 'X-Variant', value: 'b', versionId: 'v2' },
    { header: 'x-sluice-pin', value: 'v3', versionId: 'v3' },
  ],
};

for (const target of harness.targets) {
  describe(`Store contract on ${target}: aliases`, () => {
    it('sets, replaces, lists and deletes aliases with their targets in order', async () => {
      const { store, clock } = await harness.freshStore(target);
      for (const id of ['v1', 'v2']) await store.createVersion(newVersion(id));
      await store.createVersion(newVersion('l1', { function: 'list' }));
      await store.setAlias(live('restapi', 'submit', [{ versionId: 'v1', weight: 100 }]));
      clock.advance(5);
      await store.setAlias(live('restapi', 'submit', [{ versionId: 'v2', weight: 10 }, { versionId: 'v1', weight: 90 }]));
      await store.setAlias(live('restapi', 'list', [{ versionId: 'l1', weight: 100 }]));
      await store.setAlias({ ...live('restapi', 'list', []), name: 'empty' });
      await store.setAlias(live('restapi', 'submit', [{ versionId: 'v1', weight: 100 }], 'prod'));
      const aliases = await store.listAliases('workshop', 'dev');
      expect(aliases.map((a) => `${a.function}:${a.name}`)).toEqual(['list:empty', 'list:live', 'submit:live']);
      expect(aliases[2]).toEqual({
        ...live('restapi', 'submit', [{ versionId: 'v2', weight: 10 }, { versionId: 'v1', weight: 90 }]), rules: {}, updatedAt: clock.now(),
      });
      expect(aliases[0].targets).toEqual([]);
      await store.deleteAliases('workshop', 'dev', 'restapi', 'list');
      expect((await store.listAliases('workshop', 'dev', 'restapi')).map((a) => a.function)).toEqual(['submit']);
      await store.deleteAliases('workshop', 'dev');
      expect(await store.listAliases('workshop', 'dev')).toEqual([]);
      expect(await store.listAliases('workshop', 'prod')).toHaveLength(1);
    });

    it('round-trips sticky and match rules, and a later set without rules clears them', async () => {
      const { store } = await harness.freshStore(target);
      for (const id of ['v1', 'v2', 'v3']) await store.createVersion(newVersion(id));
      const targets = [{ versionId: 'v1', weight: 100 }, { versionId: 'v2', weight: 0 }, { versionId: 'v3', weight: 0 }];
      await store.setAlias(live('restapi', 'submit', targets, 'dev', abRules));
      const [alias] = await store.listAliases('workshop', 'dev');
      expect(alias.rules).toEqual(abRules);
      expect(alias.targets).toEqual(targets);
      await store.setAlias(live('restapi', 'submit', [{ versionId: 'v1', weight: 100 }], 'dev', { sticky: { source: 'header', name: 'x-user' } }));
      expect((await store.listAliases('workshop', 'dev'))[0].rules).toEqual({ sticky: { source: 'header', name: 'x-user' } });
      await store.setAlias(live('restapi', 'submit', [{ versionId: 'v1', weight: 100 }]));
      expect((await store.listAliases('workshop', 'dev'))[0].rules).toEqual({});
    });

    it('refuses an alias to an unknown version with NOT_FOUND and leaves the old targets', async () => {
      const { store } = await harness.freshStore(target);
      await store.createVersion(newVersion('v1'));
      await store.setAlias(live('restapi', 'submit', [{ versionId: 'v1', weight: 100 }]));
      const error = await rejection(store.setAlias(live('restapi', 'submit', [{ versionId: 'ghost', weight: 100 }])));
      expect(isSluiceError(error) && error.code).toBe('NOT_FOUND');
      expect((await store.listAliases('workshop', 'dev'))[0].targets).toEqual([{ versionId: 'v1', weight: 100 }]);
    });

    it('refuses match rules naming a version that is not a target, and leaves the alias as it was', async () => {
      const { store } = await harness.freshStore(target);
      for (const id of ['v1', 'v2']) await store.createVersion(newVersion(id));
      await store.setAlias(live('restapi', 'submit', [{ versionId: 'v1', weight: 100 }]));
      const rules = { match: [{ header: 'x-variant', value: 'b', versionId: 'v2' }] };
      const error = await rejection(store.setAlias(live('restapi', 'submit', [{ versionId: 'v1', weight: 100 }], 'dev', rules)));
      expect((error as Error).message).toMatch(/v2.*not among its targets.*weight 0/);
      expect((await store.listAliases('workshop', 'dev'))[0]).toMatchObject({ targets: [{ versionId: 'v1', weight: 100 }], rules: {} });
    });
  });

  describe(`Store contract on ${target}: routing snapshot`, () => {
    it('loads every routed instance with its live targets joined to full versions', async () => {
      const { store } = await harness.freshStore(target);
      const v1 = await store.createVersion(newVersion('v1'));
      const v2 = await store.createVersion(newVersion('v2', { config: config({ timeout: 3 }) }));
      const l1 = await store.createVersion(newVersion('l1', { function: 'list' }));
      await store.upsertServiceInstance(instance('restapi'));
      await store.upsertServiceInstance(instance('database'));
      await store.setAlias(live('restapi', 'submit', [{ versionId: 'v1', weight: 90 }, { versionId: 'v2', weight: 10 }]));
      await store.setAlias(live('restapi', 'list', [{ versionId: 'l1', weight: 100 }]));
      await store.setAlias({ ...live('restapi', 'list', [{ versionId: 'v1', weight: 100 }]), name: 'canary' });
      await store.setAlias(live('restapi', 'submit', [{ versionId: 'v1', weight: 100 }], 'unrouted'));
      expect(await store.bumpRoutingGeneration()).toBe(1);
      expect(await store.loadRouting()).toEqual({
        generation: 1,
        services: [
          { app: 'workshop', stage: 'dev', service: 'database', functions: [], protected: false },
          {
            app: 'workshop', stage: 'dev', service: 'restapi', functions: [
              { name: 'list', targets: [{ weight: 100, version: l1 }], rules: {} },
              { name: 'submit', targets: [{ weight: 90, version: v1 }, { weight: 10, version: v2 }], rules: {} },
            ],
            protected: false,
          },
        ],
      });
    });

    it('carries the live alias\'s rules, and keeps weight-0 targets that match rules route to', async () => {
      const { store } = await harness.freshStore(target);
      const [v1, v2, v3] = [await store.createVersion(newVersion('v1')), await store.createVersion(newVersion('v2')), await store.createVersion(newVersion('v3'))];
      const l1 = await store.createVersion(newVersion('l1', { function: 'list' }));
      await store.upsertServiceInstance(instance('restapi'));
      await store.setAlias(live('restapi', 'submit', [{ versionId: 'v1', weight: 100 }, { versionId: 'v2', weight: 0 }, { versionId: 'v3', weight: 0 }], 'dev', abRules));
      await store.setAlias(live('restapi', 'list', [{ versionId: 'l1', weight: 100 }], 'dev', { sticky: { source: 'header', name: 'x-user' } }));
      // Rules of other aliases of the function are not the live alias's.
      await store.setAlias({ ...live('restapi', 'submit', [{ versionId: 'v1', weight: 100 }], 'dev', { sticky: { source: 'cookie', name: 'other' } }), name: 'canary' });
      const [restapi] = (await store.loadRouting()).services;
      expect(restapi.functions).toEqual([
        { name: 'list', targets: [{ weight: 100, version: l1 }], rules: { sticky: { source: 'header', name: 'x-user' } } },
        { name: 'submit', targets: [{ weight: 100, version: v1 }, { weight: 0, version: v2 }, { weight: 0, version: v3 }], rules: abRules },
      ]);
    });

    it('carries the commit aliases of an instance by sha7 beside its live functions, and no commits key without them', async () => {
      const { store } = await harness.freshStore(target);
      const [v1, v2] = [await store.createVersion(newVersion('v1')), await store.createVersion(newVersion('v2'))];
      const l1 = await store.createVersion(newVersion('l1', { function: 'list' }));
      for (const service of ['restapi', 'database']) await store.upsertServiceInstance(instance(service));
      await store.upsertServiceInstance(instance('restapi', 'prod'));
      await store.setAlias(live('restapi', 'submit', [{ versionId: 'v2', weight: 100 }]));
      await store.setAlias(live('restapi', 'list', [{ versionId: 'l1', weight: 100 }]));
      await store.setAlias({ ...live('restapi', 'submit', [{ versionId: 'v1', weight: 100 }]), name: 'commit-aaaaaaa' });
      await store.setAlias({ ...live('restapi', 'list', [{ versionId: 'l1', weight: 100 }]), name: 'commit-aaaaaaa' });
      await store.setAlias({ ...live('restapi', 'submit', [{ versionId: 'v2', weight: 100 }]), name: 'commit-bbbbbbb' });
      // Neither live nor a commit alias: not routed.
      await store.setAlias({ ...live('restapi', 'submit', [{ versionId: 'v1', weight: 100 }]), name: 'canary' });
      await store.setAlias(live('restapi', 'submit', [{ versionId: 'v1', weight: 100 }], 'prod'));
      const services = (await store.loadRouting()).services;
      const restapi = services.find((s) => s.stage === 'dev' && s.service === 'restapi')!;
      expect(restapi.functions).toEqual([
        { name: 'list', targets: [{ weight: 100, version: l1 }], rules: {} },
        { name: 'submit', targets: [{ weight: 100, version: v2 }], rules: {} },
      ]);
      expect(restapi.commits).toEqual({
        aaaaaaa: [
          { name: 'list', targets: [{ weight: 100, version: l1 }], rules: {} },
          { name: 'submit', targets: [{ weight: 100, version: v1 }], rules: {} },
        ],
        bbbbbbb: [{ name: 'submit', targets: [{ weight: 100, version: v2 }], rules: {} }],
      });
      for (const other of services.filter((s) => s !== restapi)) expect(other).not.toHaveProperty('commits');
    });

    it('marks the instances of a protected preview, and only those', async () => {
      const { store } = await harness.freshStore(target);
      for (const stage of ['pr-1', 'pr-2', 'dev']) await store.upsertServiceInstance(instance('restapi', stage));
      const preview = { app: 'workshop', repoId: null, branch: 'b', pr: null, headSha: 'a'.repeat(40), lastActivityAt: 1, commentId: null };
      await store.upsertPreview({ ...preview, stage: 'pr-1', protected: true }, 1);
      await store.upsertPreview({ ...preview, stage: 'pr-2', protected: false }, 1);
      const services = (await store.loadRouting()).services;
      expect(services.map((s) => [s.stage, s.protected])).toEqual([['dev', false], ['pr-1', true], ['pr-2', false]]);
    });

    it('bumps the routing generation atomically', async () => {
      const { store } = await harness.freshStore(target);
      expect(await store.getRoutingGeneration()).toBe(0);
      const values = await Promise.all(Array.from({ length: 10 }, () => store.bumpRoutingGeneration()));
      expect(values.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(await store.getRoutingGeneration()).toBe(10);
      expect((await store.loadRouting()).generation).toBe(10);
    });
  });
}
