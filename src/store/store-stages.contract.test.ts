// Store contract, stages: stages, the service instances deployed to them, and their deployments.

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { DeploymentStatus, Store } from './index.js';
import { StoreHarness } from './testing/store-harness.js';

const harness = new StoreHarness(process.env.TEST_DATABASE_URL);
afterEach(() => harness.teardown());
afterAll(() => harness.dropSchemas());

const deployment = (id: string, stage = 'dev', service = 'restapi') =>
  ({ id, app: 'workshop', stage, service, strategy: 'AllAtOnce', actor: 'ci' });

for (const target of harness.targets) {
  describe(`Store contract on ${target}: stages and service instances`, () => {
    it('upserts a stage, keeping createdAt and moving updatedAt', async () => {
      const { store, clock } = await harness.freshStore(target);
      await store.upsertStage({ app: 'workshop', name: 'alice', profile: 'dev', kind: 'stage' });
      const created = clock.now();
      clock.advance(500);
      await store.upsertStage({ app: 'workshop', name: 'alice', profile: 'staging', kind: 'preview' });
      expect(await store.getStage('workshop', 'alice')).toEqual({
        app: 'workshop', name: 'alice', profile: 'staging', kind: 'preview', createdAt: created, updatedAt: created + 500, lastDeployAt: null, approval: 'none',
      });
      expect(await store.getStage('workshop', 'bob')).toBeUndefined();
    });

    it('lists stages by app and name, filtered by app, and deletes one', async () => {
      const { store } = await harness.freshStore(target);
      for (const [app, name] of [['workshop', 'prod'], ['other', 'dev'], ['workshop', 'alice']]) {
        await store.upsertStage({ app, name, profile: 'dev', kind: 'stage' });
      }
      expect((await store.listStages()).map((s) => `${s.app}/${s.name}`)).toEqual(['other/dev', 'workshop/alice', 'workshop/prod']);
      expect((await store.listStages('workshop')).map((s) => s.name)).toEqual(['alice', 'prod']);
      await store.deleteStage('workshop', 'alice');
      expect((await store.listStages('workshop')).map((s) => s.name)).toEqual(['prod']);
    });

    it('gives lastDeployAt as the latest finish of a succeeded deployment of the stage', async () => {
      const { store, clock } = await harness.freshStore(target);
      await store.upsertStage({ app: 'workshop', name: 'dev', profile: 'dev', kind: 'stage' });
      const deploy = async (id: string, stage: string, status: Exclude<DeploymentStatus, 'running'> | null) => {
        await store.createDeployment(deployment(id, stage));
        clock.advance(1000);
        if (status) await store.finishDeployment(id, { status, changes: [] });
        return clock.now();
      };
      const first = await deploy('d1', 'dev', 'succeeded');
      const second = await deploy('d2', 'dev', 'succeeded');
      await deploy('d3', 'dev', 'failed');
      await deploy('d4', 'dev', 'nochange');
      await deploy('d5', 'dev', 'aborted');
      await deploy('d6', 'dev', null);
      await deploy('d7', 'prod', 'succeeded');
      expect(second).toBeGreaterThan(first);
      expect((await store.getStage('workshop', 'dev'))?.lastDeployAt).toBe(second);
      expect((await store.listStages('workshop'))[0].lastDeployAt).toBe(second);
    });

    it('upserts, lists and deletes service instances', async () => {
      const { store } = await harness.freshStore(target);
      const instance = (service: string, stage = 'dev', url = `http://127.0.0.1:4601/dev/${service}`) =>
        ({ app: 'workshop', stage, service, url, deploymentId: `d-${service}`, deployedAt: 10 });
      await store.upsertServiceInstance(instance('restapi'));
      await store.upsertServiceInstance(instance('database'));
      await store.upsertServiceInstance(instance('tasks', 'prod'));
      await store.upsertServiceInstance({ ...instance('restapi'), url: 'http://new', deploymentId: 'd-2', deployedAt: 20 });
      expect(await store.listServiceInstances('workshop', 'dev')).toEqual([
        instance('database'), { ...instance('restapi'), url: 'http://new', deploymentId: 'd-2', deployedAt: 20 },
      ]);
      await store.deleteServiceInstances('workshop', 'dev', 'database');
      expect((await store.listServiceInstances('workshop', 'dev')).map((i) => i.service)).toEqual(['restapi']);
      await store.deleteServiceInstances('workshop', 'dev');
      expect(await store.listServiceInstances('workshop', 'dev')).toEqual([]);
      expect(await store.listServiceInstances('workshop', 'prod')).toHaveLength(1);
    });
  });

  describe(`Store contract on ${target}: deployments`, () => {
    it('creates a running deployment and finishes it with its changes', async () => {
      const { store, clock } = await harness.freshStore(target);
      const created = await store.createDeployment({ ...deployment('d1'), actor: 'alice', commitSha: 'abc' });
      expect(created).toEqual({
        id: 'd1', app: 'workshop', stage: 'dev', service: 'restapi', status: 'running', strategy: 'AllAtOnce', actor: 'alice',
        commitSha: 'abc', message: null, changes: [], createdAt: clock.now(), finishedAt: null,
      });
      expect(await store.getDeployment('d1')).toEqual(created);
      clock.advance(1500);
      const changes = [{ function: 'submit', from: null, to: 'v1' }, { function: 'list', from: 'l0', to: 'l1' }];
      await store.finishDeployment('d1', { status: 'succeeded', message: 'deployed', changes });
      expect(await store.getDeployment('d1')).toEqual({ ...created, status: 'succeeded', message: 'deployed', changes, finishedAt: created.createdAt + 1500 });
      expect(await store.getDeployment('nope')).toBeUndefined();
    });

    it('finishes a deployment as aborted, with its reason and changes', async () => {
      const { store, clock } = await harness.freshStore(target);
      await store.createDeployment(deployment('d1'));
      clock.advance(20);
      const changes = [{ function: 'submit', from: 'v1', to: 'v2' }];
      await store.finishDeployment('d1', { status: 'aborted', message: 'aborted by alice', changes });
      expect(await store.getDeployment('d1')).toMatchObject({ status: 'aborted', message: 'aborted by alice', changes, finishedAt: clock.now() });
      expect((await store.listDeployments({ app: 'workshop' })).map((d) => d.status)).toEqual(['aborted']);
    });

    it('lists deployments newest first with filters and a limit, and deletes a stage\'s', async () => {
      const { store, clock } = await harness.freshStore(target);
      const specs = [['d1', 'dev', 'restapi'], ['d2', 'dev', 'database'], ['d3', 'prod', 'restapi'], ['d4', 'dev', 'restapi']];
      for (const [id, stage, service] of specs) {
        await store.createDeployment(deployment(id, stage, service));
        clock.advance(10);
      }
      const ids = async (query: Parameters<Store['listDeployments']>[0]) => (await store.listDeployments(query)).map((d) => d.id);
      expect(await ids({ app: 'workshop' })).toEqual(['d4', 'd3', 'd2', 'd1']);
      expect(await ids({ app: 'workshop', stage: 'dev' })).toEqual(['d4', 'd2', 'd1']);
      expect(await ids({ app: 'workshop', stage: 'dev', service: 'restapi', limit: 1 })).toEqual(['d4']);
      expect(await ids({ app: 'other' })).toEqual([]);
      await store.deleteDeployments('workshop', 'dev');
      expect(await ids({ app: 'workshop' })).toEqual(['d3']);
    });

    it('lists the deployments still running across all apps, oldest first', async () => {
      const { store, clock } = await harness.freshStore(target);
      expect(await store.listRunningDeployments()).toEqual([]);
      for (const id of ['d1', 'd2', 'd3', 'd4', 'd5']) {
        await store.createDeployment(id === 'd3' ? { ...deployment(id), app: 'other' } : deployment(id));
        clock.advance(10);
      }
      await store.finishDeployment('d2', { status: 'succeeded', changes: [] });
      await store.finishDeployment('d4', { status: 'aborted', changes: [] });
      const running = await store.listRunningDeployments();
      expect(running.map((d) => `${d.app}/${d.id}`)).toEqual(['workshop/d1', 'other/d3', 'workshop/d5']);
      expect(running[0]).toEqual(await store.getDeployment('d1'));
      await store.finishDeployment('d1', { status: 'failed', message: 'interrupted', changes: [] });
      expect((await store.listRunningDeployments()).map((d) => d.id)).toEqual(['d3', 'd5']);
    });
  });
}
