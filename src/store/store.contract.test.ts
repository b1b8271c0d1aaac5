// The Store contract, defined once and run against every implementation target: SQLite (always, in a temp
// directory) and PostgreSQL when TEST_DATABASE_URL is set (each test in its own fresh schema, dropped after).
// Target-specific checks (two processes on one SQLite file, an unreachable PostgreSQL) follow the suite.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isSluiceError } from '../errors/index.js';
import { DURATION_BUCKETS_MS, SQLITE_FILE_NAME, openStore } from './index.js';
import type { FunctionConfig, LogEntry, MetricSample, NewVersion, OpenStoreOptions, Store } from './index.js';

const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

interface StoreLocation {
  options: OpenStoreOptions;
  /** Rows in Kysely's migration table, read behind the store's back. */
  migrationRows(): Promise<number>;
  cleanup(): Promise<void>;
}

interface StoreTarget {
  name: 'sqlite' | 'postgres';
  createLocation(): Promise<StoreLocation>;
}

const sqliteTarget: StoreTarget = {
  name: 'sqlite',
  async createLocation() {
    const home = mkdtempSync(join(tmpdir(), 'sluice-store-'));
    return {
      options: { home },
      async migrationRows() {
        const db = new SqliteDatabase(join(home, SQLITE_FILE_NAME), { readonly: true });
        try {
          return (db.prepare('select count(*) as n from kysely_migration').get() as { n: number }).n;
        } finally {
          db.close();
        }
      },
      async cleanup() { rmSync(home, { recursive: true, force: true }); },
    };
  },
};

// Schemas of finished tests, dropped together after the file (a drop costs about as much as a migration).
const schemasToDrop: string[] = [];

function postgresTarget(databaseUrl: string): StoreTarget {
  const adminQuery = async (text: string): Promise<pg.QueryResult> => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      return await client.query(text);
    } finally {
      await client.end();
    }
  };
  afterAll(async () => {
    while (schemasToDrop.length > 0) {
      const batch = schemasToDrop.splice(0, 10).map((schema) => `"${schema}"`).join(', ');
      await adminQuery(`drop schema if exists ${batch} cascade`);
    }
  });
  return {
    name: 'postgres',
    async createLocation() {
      const schema = `sluice_test_${randomBytes(6).toString('hex')}`;
      return {
        options: { databaseUrl, pgSchema: schema },
        async migrationRows() { return Number((await adminQuery(`select count(*) as n from "${schema}".kysely_migration`)).rows[0].n); },
        async cleanup() { schemasToDrop.push(schema); },
      };
    },
  };
}

const targets: StoreTarget[] = [sqliteTarget, ...(TEST_DATABASE_URL ? [postgresTarget(TEST_DATABASE_URL)] : [])];

// Teardown stack: each setup registers its undo right after it succeeds; undone in reverse order.
const cleanups: Array<() => Promise<void> | void> = [];
const defer = (fn: () => Promise<void> | void): void => { cleanups.push(fn); };
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

function fakeClock(start = 1_700_000_000_000) {
  let time = start;
  return { now: () => time, advance: (ms: number) => { time += ms; } };
}

async function openAt(location: StoreLocation, now?: () => number): Promise<Store> {
  const store = await openStore({ ...location.options, now });
  defer(() => store.close());
  return store;
}

const config = (overrides: Partial<FunctionConfig> = {}): FunctionConfig => ({
  runtime: 'node20',
  handler: 'src/handler.submit',
  handlerExport: 'submit',
  timeout: 6,
  memory: 256,
  concurrency: 20,
  environment: { TABLE: 'workshop-dev-database-submissions' },
  secretEnvironment: { API_KEY: 'v1:cipher' },
  events: [{ type: 'http', method: 'POST', path: '/submissions' }, { type: 'schedule', expression: 'rate(5 minutes)', enabled: true }],
  ...overrides,
});

const newVersion = (id: string, overrides: Partial<NewVersion> = {}): NewVersion => ({
  id, app: 'workshop', service: 'restapi', function: 'submit', codeHash: `code-${id}`, config: config(), ...overrides,
});

const logEntry = (message: string, overrides: Partial<LogEntry> = {}): LogEntry => ({
  ts: 1000, app: 'workshop', stage: 'dev', service: 'restapi', function: 'submit', versionId: 'v1',
  requestId: 'req-1', level: 'log', message, ...overrides,
});

const sample = (overrides: Partial<MetricSample> = {}): MetricSample => ({
  app: 'workshop', stage: 'dev', service: 'restapi', function: 'submit', versionId: 'v1', bucket: 5000,
  invocations: 1, errors: 0, throttles: 0, durationSumMs: 12.5,
  durationHistogram: DURATION_BUCKETS_MS.map((_, i) => (i === 4 ? 1 : 0)), ...overrides,
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

for (const target of targets) {
  describe(`Store contract on ${target.name}`, () => {
    let store: Store;
    let clock: ReturnType<typeof fakeClock>;
    let location: StoreLocation;

    // Fresh, empty store per test so global reads (routing, artifacts, secrets) see only the test's data.
    async function freshStore(): Promise<void> {
      location = await target.createLocation();
      defer(() => location.cleanup());
      clock = fakeClock();
      store = await openAt(location, clock.now);
    }

    describe('opening and migrations', () => {
      it('reports its dialect', async () => {
        await freshStore();
        expect(store.dialect).toBe(target.name);
      });

      it('reopens an existing database without re-running migrations, keeping the data', async () => {
        await freshStore();
        await store.upsertStage({ app: 'workshop', name: 'dev', profile: 'dev', kind: 'stage' });
        expect(await location.migrationRows()).toBe(1);
        await store.close();
        const again = await openAt(location);
        expect(await again.getStage('workshop', 'dev')).toMatchObject({ profile: 'dev' });
        expect(await location.migrationRows()).toBe(1);
      });

      it('lets two stores migrate the same fresh database at once', async () => {
        location = await target.createLocation();
        defer(() => location.cleanup());
        const [a, b] = await Promise.all([openAt(location), openAt(location)]);
        await a.setParam('dev', 'env', 'dev');
        expect(await b.listParams('dev')).toEqual({ env: 'dev' });
        expect(await location.migrationRows()).toBe(1);
      });
    });

    describe('stages and service instances', () => {
      it('upserts a stage, keeping createdAt and moving updatedAt', async () => {
        await freshStore();
        await store.upsertStage({ app: 'workshop', name: 'alice', profile: 'dev', kind: 'stage' });
        const created = clock.now();
        clock.advance(500);
        await store.upsertStage({ app: 'workshop', name: 'alice', profile: 'staging', kind: 'preview' });
        expect(await store.getStage('workshop', 'alice')).toEqual({
          app: 'workshop', name: 'alice', profile: 'staging', kind: 'preview', createdAt: created, updatedAt: created + 500, lastDeployAt: null,
        });
        expect(await store.getStage('workshop', 'bob')).toBeUndefined();
      });

      it('lists stages by app and name, filtered by app, and deletes one', async () => {
        await freshStore();
        for (const [app, name] of [['workshop', 'prod'], ['other', 'dev'], ['workshop', 'alice']]) {
          await store.upsertStage({ app, name, profile: 'dev', kind: 'stage' });
        }
        expect((await store.listStages()).map((s) => `${s.app}/${s.name}`)).toEqual(['other/dev', 'workshop/alice', 'workshop/prod']);
        expect((await store.listStages('workshop')).map((s) => s.name)).toEqual(['alice', 'prod']);
        await store.deleteStage('workshop', 'alice');
        expect((await store.listStages('workshop')).map((s) => s.name)).toEqual(['prod']);
      });

      it('gives lastDeployAt as the latest finish of a succeeded deployment of the stage', async () => {
        await freshStore();
        await store.upsertStage({ app: 'workshop', name: 'dev', profile: 'dev', kind: 'stage' });
        const deploy = async (id: string, stage: string, status: 'succeeded' | 'failed' | 'nochange' | null) => {
          await store.createDeployment({ id, app: 'workshop', stage, service: 'restapi', strategy: 'AllAtOnce', actor: 'alice' });
          clock.advance(1000);
          if (status) await store.finishDeployment(id, { status, changes: [] });
          return clock.now();
        };
        const first = await deploy('d1', 'dev', 'succeeded');
        const second = await deploy('d2', 'dev', 'succeeded');
        await deploy('d3', 'dev', 'failed');
        await deploy('d4', 'dev', 'nochange');
        await deploy('d5', 'dev', null);
        await deploy('d6', 'prod', 'succeeded');
        expect(second).toBeGreaterThan(first);
        expect((await store.getStage('workshop', 'dev'))?.lastDeployAt).toBe(second);
        expect((await store.listStages('workshop'))[0].lastDeployAt).toBe(second);
      });

      it('upserts, lists and deletes service instances', async () => {
        await freshStore();
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

    describe('artifacts and versions', () => {
      it('stores artifacts by hash, byte for byte, idempotently', async () => {
        await freshStore();
        const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0, 0x7f]);
        await store.putArtifact('h1', bytes);
        await store.putArtifact('h1', bytes);
        expect(Buffer.compare((await store.getArtifact('h1')) ?? Buffer.alloc(0), bytes)).toBe(0);
        expect(await store.getArtifact('missing')).toBeUndefined();
      });

      it('deletes only artifacts that no version uses', async () => {
        await freshStore();
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
        await freshStore();
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
        await freshStore();
        const ids = Array.from({ length: 12 }, (_, i) => `c${i}`);
        const created = await Promise.all(ids.map((id) => store.createVersion(newVersion(id))));
        expect(created.map((v) => v.number).sort((a, b) => a - b)).toEqual(ids.map((_, i) => i + 1));
        const same = await Promise.all(Array.from({ length: 5 }, () => store.createVersion(newVersion('dup'))));
        expect(new Set(same.map((v) => v.number))).toEqual(new Set([13]));
        expect(await store.listVersions('workshop', 'restapi', 'submit')).toHaveLength(13);
      });

      it('refuses a known version id under another function', async () => {
        await freshStore();
        await store.createVersion(newVersion('v1'));
        await expect(store.createVersion(newVersion('v1', { function: 'other' }))).rejects.toThrow(/already belongs/);
      });

      it('deletes the versions of an app that no alias of any stage and no deployment references', async () => {
        await freshStore();
        for (const id of ['live-dev', 'canary-prod', 'history', 'unused-1', 'unused-2']) await store.createVersion(newVersion(id));
        await store.createVersion(newVersion('other-app', { app: 'other' }));
        await store.setAlias({ app: 'workshop', stage: 'dev', service: 'restapi', function: 'submit', name: 'live', targets: [{ versionId: 'live-dev', weight: 100 }] });
        await store.setAlias({ app: 'workshop', stage: 'prod', service: 'restapi', function: 'submit', name: 'canary', targets: [{ versionId: 'canary-prod', weight: 100 }] });
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
    });

    describe('aliases and routing', () => {
      const live = (service: string, fn: string, targets: Array<{ versionId: string; weight: number }>, stage = 'dev') =>
        ({ app: 'workshop', stage, service, function: fn, name: 'live', targets });

      it('sets, replaces, lists and deletes aliases with their targets in order', async () => {
        await freshStore();
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
        expect(aliases[2]).toEqual({ ...live('restapi', 'submit', [{ versionId: 'v2', weight: 10 }, { versionId: 'v1', weight: 90 }]), updatedAt: clock.now() });
        expect(aliases[0].targets).toEqual([]);
        await store.deleteAliases('workshop', 'dev', 'restapi', 'list');
        expect((await store.listAliases('workshop', 'dev', 'restapi')).map((a) => a.function)).toEqual(['submit']);
        await store.deleteAliases('workshop', 'dev');
        expect(await store.listAliases('workshop', 'dev')).toEqual([]);
        expect(await store.listAliases('workshop', 'prod')).toHaveLength(1);
      });

      it('refuses an alias to an unknown version with NOT_FOUND and leaves the old targets', async () => {
        await freshStore();
        await store.createVersion(newVersion('v1'));
        await store.setAlias(live('restapi', 'submit', [{ versionId: 'v1', weight: 100 }]));
        const error = await rejection(store.setAlias(live('restapi', 'submit', [{ versionId: 'ghost', weight: 100 }])));
        expect(isSluiceError(error) && error.code).toBe('NOT_FOUND');
        expect((await store.listAliases('workshop', 'dev'))[0].targets).toEqual([{ versionId: 'v1', weight: 100 }]);
      });

      it('loads every routed instance with its live targets joined to full versions', async () => {
        await freshStore();
        const v1 = await store.createVersion(newVersion('v1'));
        const v2 = await store.createVersion(newVersion('v2', { config: config({ timeout: 3 }) }));
        const l1 = await store.createVersion(newVersion('l1', { function: 'list' }));
        const instance = (service: string, stage = 'dev') => ({ app: 'workshop', stage, service, url: `http://x/${stage}/${service}`, deploymentId: 'd', deployedAt: 1 });
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
            { app: 'workshop', stage: 'dev', service: 'database', functions: [] },
            {
              app: 'workshop', stage: 'dev', service: 'restapi', functions: [
                { name: 'list', targets: [{ weight: 100, version: l1 }] },
                { name: 'submit', targets: [{ weight: 90, version: v1 }, { weight: 10, version: v2 }] },
              ],
            },
          ],
        });
      });

      it('bumps the routing generation atomically', async () => {
        await freshStore();
        expect(await store.getRoutingGeneration()).toBe(0);
        const values = await Promise.all(Array.from({ length: 10 }, () => store.bumpRoutingGeneration()));
        expect(values.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect(await store.getRoutingGeneration()).toBe(10);
        expect((await store.loadRouting()).generation).toBe(10);
      });
    });

    describe('outputs, params and secrets', () => {
      it('replaces the outputs of a service and lists them by service and key', async () => {
        await freshStore();
        await store.setOutputs('workshop', 'dev', 'restapi', { url: 'http://a', old: 'x' });
        await store.setOutputs('workshop', 'dev', 'restapi', { url: 'http://b' });
        await store.setOutputs('workshop', 'dev', 'database', { tableName: 't', arn: 'a' });
        await store.setOutputs('workshop', 'prod', 'database', { tableName: 'p' });
        expect(await store.getOutput('workshop', 'dev', 'restapi', 'url')).toBe('http://b');
        expect(await store.getOutput('workshop', 'dev', 'restapi', 'old')).toBeUndefined();
        expect(await store.listOutputs('workshop', 'dev')).toEqual([
          { service: 'database', key: 'arn', value: 'a' }, { service: 'database', key: 'tableName', value: 't' },
          { service: 'restapi', key: 'url', value: 'http://b' },
        ]);
        await store.deleteOutputs('workshop', 'dev', 'database');
        expect((await store.listOutputs('workshop', 'dev')).map((o) => o.key)).toEqual(['url']);
        await store.deleteOutputs('workshop', 'dev');
        expect(await store.listOutputs('workshop', 'dev')).toEqual([]);
        expect(await store.getOutput('workshop', 'prod', 'database', 'tableName')).toBe('p');
      });

      it('sets, lists and unsets params per profile', async () => {
        await freshStore();
        await store.setParam('dev', 'env', 'dev');
        await store.setParam('dev', 'endpoint', 'https://a');
        await store.setParam('dev', 'endpoint', 'https://b');
        await store.setParam('prod', 'env', 'prod');
        expect(await store.listParams('dev')).toEqual({ endpoint: 'https://b', env: 'dev' });
        expect(await store.unsetParam('dev', 'env')).toBe(true);
        expect(await store.unsetParam('dev', 'env')).toBe(false);
        expect(await store.listParams('dev')).toEqual({ endpoint: 'https://b' });
        expect(await store.listParams('prod')).toEqual({ env: 'prod' });
      });

      it('sets, reads, lists and unsets secret ciphertexts', async () => {
        await freshStore();
        await store.setSecret('prod', 'API_KEY', 'c1');
        clock.advance(7);
        await store.setSecret('prod', 'API_KEY', 'c2');
        await store.setSecret('dev', 'API_KEY', 'd1');
        expect(await store.getSecret('prod', 'API_KEY')).toBe('c2');
        expect(await store.getSecret('prod', 'OTHER')).toBeUndefined();
        expect(await store.listSecrets()).toEqual([
          { profile: 'dev', name: 'API_KEY', ciphertext: 'd1', updatedAt: clock.now() },
          { profile: 'prod', name: 'API_KEY', ciphertext: 'c2', updatedAt: clock.now() },
        ]);
        expect((await store.listSecrets('prod')).map((s) => s.ciphertext)).toEqual(['c2']);
        expect(await store.unsetSecret('prod', 'API_KEY')).toBe(true);
        expect(await store.unsetSecret('prod', 'API_KEY')).toBe(false);
        expect((await store.listSecrets()).map((s) => s.profile)).toEqual(['dev']);
      });
    });

    describe('deployments', () => {
      it('creates a running deployment and finishes it with its changes', async () => {
        await freshStore();
        const created = await store.createDeployment({ id: 'd1', app: 'workshop', stage: 'dev', service: 'restapi', strategy: 'AllAtOnce', actor: 'alice', commitSha: 'abc' });
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

      it('lists deployments newest first with filters and a limit, and deletes a stage\'s', async () => {
        await freshStore();
        const specs = [['d1', 'dev', 'restapi'], ['d2', 'dev', 'database'], ['d3', 'prod', 'restapi'], ['d4', 'dev', 'restapi']];
        for (const [id, stage, service] of specs) {
          await store.createDeployment({ id, app: 'workshop', stage, service, strategy: 'AllAtOnce', actor: 'ci' });
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
    });

    describe('keyed tables', () => {
      const table = (name: string, stage = 'dev') => ({ name, app: 'workshop', stage, service: 'database', logical: 'submissions', keyField: 'id' });

      it('registers, reads and lists tables', async () => {
        await freshStore();
        await store.registerTable(table('workshop-dev-b'));
        await store.registerTable(table('workshop-dev-a'));
        await store.registerTable({ ...table('workshop-dev-a'), keyField: 'pk' });
        await store.registerTable(table('workshop-prod-a', 'prod'));
        expect(await store.getTable('workshop-dev-a')).toEqual({ ...table('workshop-dev-a'), keyField: 'pk' });
        expect(await store.getTable('missing')).toBeUndefined();
        expect((await store.listTables('workshop', 'dev')).map((t) => t.name)).toEqual(['workshop-dev-a', 'workshop-dev-b']);
      });

      it('puts, gets, overwrites and deletes JSON items', async () => {
        await freshStore();
        await store.registerTable(table('t'));
        const values: unknown[] = [{ id: 'a', nested: { list: [1, 'two', null] } }, [1, 2], 'text', 42.5, null, true];
        for (const [i, value] of values.entries()) await store.tablePut('t', `k${i}`, value);
        for (const [i, value] of values.entries()) expect(await store.tableGet('t', `k${i}`)).toEqual(value);
        await store.tablePut('t', 'k0', { id: 'a', v: 2 });
        expect(await store.tableGet('t', 'k0')).toEqual({ id: 'a', v: 2 });
        expect(await store.tableGet('t', 'missing')).toBeUndefined();
        expect(await store.tableDelete('t', 'k0')).toBe(true);
        expect(await store.tableDelete('t', 'k0')).toBe(false);
        expect(await store.tableGet('t', 'k0')).toBeUndefined();
      });

      it('refuses items for a table that is not registered', async () => {
        await freshStore();
        const error = await rejection(store.tablePut('ghost', 'k', 1));
        expect(isSluiceError(error) && error.code).toBe('NOT_FOUND');
      });

      it('queries by key prefix in code-point order, with % and _ as plain characters', async () => {
        await freshStore();
        await store.registerTable(table('t'));
        const keys = ['a%b', 'a_b', 'axb', 'a%', 'ab', 'A', 'b', 'a', 'a\\b', 'aé', 'a😀', 'a\u{10FFFF}z', '\u{10FFFF}', 'Ab', 'a-b', 'a b'];
        for (const key of keys) await store.tablePut('t', key, { key });
        const query = async (prefix: string, limit?: number) => (await store.tableQuery('t', prefix, limit)).map((item) => item.key);
        expect(await query('a%')).toEqual(['a%', 'a%b']);
        expect(await query('a_')).toEqual(['a_b']);
        expect(await query('a\\')).toEqual(['a\\b']);
        expect(await query('a')).toEqual(['a', 'a b', 'a%', 'a%b', 'a-b', 'a\\b', 'a_b', 'ab', 'axb', 'aé', 'a😀', 'a\u{10FFFF}z']);
        expect(await query('a\u{10FFFF}')).toEqual(['a\u{10FFFF}z']);
        expect(await query('\u{10FFFF}')).toEqual(['\u{10FFFF}']);
        expect(await query('a', 3)).toEqual(['a', 'a b', 'a%']);
        expect(await query('')).toEqual([...keys].sort((x, y) => (Buffer.compare(Buffer.from(x), Buffer.from(y)))));
        expect(await query('zz')).toEqual([]);
        expect((await store.tableQuery('t', 'a%b'))[0]).toEqual({ key: 'a%b', value: { key: 'a%b' } });
      });

      it('drops the tables of one stage with all their items', async () => {
        await freshStore();
        for (const t of [table('dev-a'), table('dev-b'), table('prod-a', 'prod')]) {
          await store.registerTable(t);
          await store.tablePut(t.name, 'k', t.name);
        }
        expect((await store.dropTables('workshop', 'dev')).sort()).toEqual(['dev-a', 'dev-b']);
        expect(await store.listTables('workshop', 'dev')).toEqual([]);
        expect(await store.getTable('dev-a')).toBeUndefined();
        await store.registerTable(table('dev-a'));
        expect(await store.tableQuery('dev-a', '')).toEqual([]);
        expect(await store.tableGet('prod-a', 'k')).toBe('prod-a');
        expect(await store.dropTables('workshop', 'dev')).toEqual(['dev-a']);
      });
    });

    describe('logs', () => {
      it('returns the newest entries oldest first, filtered, and tails by id', async () => {
        await freshStore();
        await store.appendLogs([]);
        await store.appendLogs([
          logEntry('one', { ts: 100 }), logEntry('two', { ts: 200, level: 'error' }), logEntry('three', { ts: 300, function: 'list' }),
          logEntry('four', { ts: 400, service: 'tasks', function: 'run' }), logEntry('prod', { ts: 400, stage: 'prod' }),
        ]);
        const all = await store.queryLogs({ app: 'workshop', stage: 'dev' });
        expect(all.map((e) => e.message)).toEqual(['one', 'two', 'three', 'four']);
        expect(all[1]).toEqual({ ...logEntry('two', { ts: 200, level: 'error' }), id: all[1].id });
        expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => a - b));
        const messages = async (query: Partial<Parameters<Store['queryLogs']>[0]>) =>
          (await store.queryLogs({ app: 'workshop', stage: 'dev', ...query })).map((e) => e.message);
        expect(await messages({ limit: 2 })).toEqual(['three', 'four']);
        expect(await messages({ service: 'restapi' })).toEqual(['one', 'two', 'three']);
        expect(await messages({ service: 'restapi', function: 'submit' })).toEqual(['one', 'two']);
        expect(await messages({ sinceTs: 300 })).toEqual(['three', 'four']);
        expect(await messages({ afterId: all[1].id })).toEqual(['three', 'four']);
        expect(await messages({ afterId: all[3].id })).toEqual([]);
        await store.appendLogs([logEntry('five')]);
        expect(await messages({ afterId: all[3].id })).toEqual(['five']);
      });

      it('applies the default limit of 100 and inserts large batches', async () => {
        await freshStore();
        await store.appendLogs(Array.from({ length: 2500 }, (_, i) => logEntry(`m${i}`, { ts: i })));
        const newest = await store.queryLogs({ app: 'workshop', stage: 'dev' });
        expect(newest).toHaveLength(100);
        expect([newest[0].message, newest[99].message]).toEqual(['m2400', 'm2499']);
      });

      it('deletes a stage\'s logs and never reuses their ids', async () => {
        await freshStore();
        await store.appendLogs([logEntry('dev-1'), logEntry('prod-1', { stage: 'prod' }), logEntry('dev-2')]);
        const [, last] = await store.queryLogs({ app: 'workshop', stage: 'dev' });
        await store.deleteLogs('workshop', 'dev');
        expect(await store.queryLogs({ app: 'workshop', stage: 'dev' })).toEqual([]);
        expect((await store.queryLogs({ app: 'workshop', stage: 'prod' })).map((e) => e.message)).toEqual(['prod-1']);
        await store.appendLogs([logEntry('dev-3')]);
        const [next] = await store.queryLogs({ app: 'workshop', stage: 'dev' });
        expect(next.id).toBeGreaterThan(last.id);
      });
    });

    describe('metrics', () => {
      const histogram = (index: number, count = 1) => DURATION_BUCKETS_MS.map((_, i) => (i === index ? count : 0));

      it('sums samples with the same key into one bucket, across and within batches', async () => {
        await freshStore();
        await store.addMetrics([sample()]);
        await store.addMetrics([
          sample({ invocations: 2, errors: 1, durationSumMs: 7.5, durationHistogram: histogram(0, 2) }),
          sample({ invocations: 3, throttles: 2, durationSumMs: 100, durationHistogram: histogram(17, 3) }),
          sample({ versionId: 'v2' }),
          sample({ bucket: 6000 }),
        ]);
        const rows = await store.queryMetrics({ app: 'workshop', stage: 'dev' });
        expect(rows).toHaveLength(3);
        const summed = DURATION_BUCKETS_MS.map((_, i) => (i === 0 ? 2 : i === 4 ? 1 : i === 17 ? 3 : 0));
        expect(rows[0]).toEqual(sample({ invocations: 6, errors: 1, throttles: 2, durationSumMs: 120, durationHistogram: summed }));
        expect(rows.map((r) => `${r.bucket}/${r.versionId}`)).toEqual(['5000/v1', '5000/v2', '6000/v1']);
      });

      it('filters metrics by function, version and an inclusive bucket range', async () => {
        await freshStore();
        await store.addMetrics([
          sample({ bucket: 1000 }), sample({ bucket: 2000 }), sample({ bucket: 3000 }), sample({ bucket: 2000, function: 'list' }),
          sample({ bucket: 2000, versionId: 'v2' }), sample({ bucket: 2000, stage: 'prod' }), sample({ bucket: 2000, service: 'tasks' }),
        ]);
        const keys = async (query: Partial<Parameters<Store['queryMetrics']>[0]>) =>
          (await store.queryMetrics({ app: 'workshop', stage: 'dev', ...query })).map((r) => `${r.bucket}/${r.service}.${r.function}/${r.versionId}`);
        expect(await keys({ fromBucket: 2000, toBucket: 2000, service: 'restapi', function: 'submit' }))
          .toEqual(['2000/restapi.submit/v1', '2000/restapi.submit/v2']);
        expect(await keys({ versionId: 'v1', service: 'restapi', function: 'submit', fromBucket: 2000 })).toEqual(['2000/restapi.submit/v1', '3000/restapi.submit/v1']);
        expect(await keys({ toBucket: 1000 })).toEqual(['1000/restapi.submit/v1']);
        expect(await keys({ fromBucket: 2000, toBucket: 2000 })).toHaveLength(4);
      });

      it('takes a batch of 100 samples per second over many seconds and deletes a stage\'s', async () => {
        await freshStore();
        for (let second = 0; second < 20; second++) {
          await store.addMetrics(Array.from({ length: 100 }, (_, i) => sample({ bucket: second * 1000, function: `f${i % 10}` })));
        }
        const rows = await store.queryMetrics({ app: 'workshop', stage: 'dev' });
        expect(rows).toHaveLength(200);
        expect(rows.every((r) => r.invocations === 10 && r.durationHistogram[4] === 10 && r.durationSumMs === 125)).toBe(true);
        await store.addMetrics([sample({ stage: 'prod' })]);
        await store.deleteMetrics('workshop', 'dev');
        expect(await store.queryMetrics({ app: 'workshop', stage: 'dev' })).toEqual([]);
        expect(await store.queryMetrics({ app: 'workshop', stage: 'prod' })).toHaveLength(1);
      });
    });

    describe('events', () => {
      const event = (type: string, stage: string | null = 'dev') =>
        ({ type, actor: 'alice', app: stage ? 'workshop' : null, stage, service: null, payload: { detail: type, n: [1] } });

      it('appends events with increasing ids, the clock time unless given', async () => {
        await freshStore();
        const first = await store.appendEvent(event('deploy.started'));
        const second = await store.appendEvent({ ...event('deploy.finished'), ts: 42 });
        expect(first).toEqual({ ...event('deploy.started'), id: first.id, ts: clock.now() });
        expect(second.id).toBeGreaterThan(first.id);
        expect(second.ts).toBe(42);
      });

      it('lists events oldest first: the newest by default, and pages forward after an id', async () => {
        await freshStore();
        const ids: number[] = [];
        for (const [type, stage] of [['a', 'dev'], ['b', 'prod'], ['c', 'dev'], ['d', null], ['e', 'dev']] as const) {
          ids.push((await store.appendEvent(event(type, stage))).id);
        }
        const types = async (query: Parameters<Store['listEvents']>[0]) => (await store.listEvents(query)).map((e) => e.type);
        expect(await types({})).toEqual(['a', 'b', 'c', 'd', 'e']);
        expect(await types({ limit: 2 })).toEqual(['d', 'e']);
        expect(await types({ afterId: ids[0], limit: 2 })).toEqual(['b', 'c']);
        expect(await types({ app: 'workshop', stage: 'dev' })).toEqual(['a', 'c', 'e']);
        expect(await types({ app: 'workshop', afterId: ids[2] })).toEqual(['e']);
        expect((await store.listEvents({ limit: 1 }))[0].payload).toEqual({ detail: 'e', n: [1] });
      });
    });

    describe('transactions', () => {
      it('commits the writes of fn and returns its result', async () => {
        await freshStore();
        await store.createVersion(newVersion('v1'));
        const result = await store.transaction(async (tx) => {
          await tx.upsertStage({ app: 'workshop', name: 'dev', profile: 'dev', kind: 'stage' });
          await tx.setAlias({ app: 'workshop', stage: 'dev', service: 'restapi', function: 'submit', name: 'live', targets: [{ versionId: 'v1', weight: 100 }] });
          return tx.bumpRoutingGeneration();
        });
        expect(result).toBe(1);
        expect(await store.getStage('workshop', 'dev')).toBeDefined();
        expect(await store.listAliases('workshop', 'dev')).toHaveLength(1);
      });

      it('rolls every write back when fn throws, including multi-statement ones', async () => {
        await freshStore();
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
        await freshStore();
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
        await freshStore();
        await store.createVersion(newVersion('v1'));
        const created = await store.transaction(async (tx) => [await tx.createVersion(newVersion('v2')), await tx.createVersion(newVersion('v3'))]);
        expect(created.map((v) => v.number)).toEqual([2, 3]);
      });
    });
  });
}

describe('SQLite store on a shared file', () => {
  async function twoStores() {
    const location = await sqliteTarget.createLocation();
    defer(() => location.cleanup());
    const a = await openAt(location);
    const b = await openAt(location);
    return { a, b, home: location.options.home ?? '' };
  }

  it('lets two stores on one file see each other\'s writes, in WAL mode', async () => {
    const { a, b, home } = await twoStores();
    await a.upsertStage({ app: 'workshop', name: 'dev', profile: 'dev', kind: 'stage' });
    expect((await b.getStage('workshop', 'dev'))?.profile).toBe('dev');
    await b.setAlias(await (async () => {
      await b.createVersion(newVersion('v1'));
      return { app: 'workshop', stage: 'dev', service: 'restapi', function: 'submit', name: 'live', targets: [{ versionId: 'v1', weight: 100 }] };
    })());
    await b.upsertServiceInstance({ app: 'workshop', stage: 'dev', service: 'restapi', url: 'u', deploymentId: 'd', deployedAt: 1 });
    expect(await b.bumpRoutingGeneration()).toBe(1);
    const routing = await a.loadRouting();
    expect(routing.generation).toBe(1);
    expect(routing.services[0].functions[0].targets[0].version.id).toBe('v1');
    const raw = new SqliteDatabase(join(home, SQLITE_FILE_NAME), { readonly: true });
    defer(() => { raw.close(); });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('waits for another process holding the write lock instead of failing (busy_timeout)', async () => {
    const { a, home } = await twoStores();
    const script = `
      const Database = require('better-sqlite3');
      const db = new Database(process.argv[1]);
      db.exec('begin immediate');
      db.prepare("insert into params (profile, name, value, updated_at) values ('dev', 'from', 'child', 0)").run();
      process.stdout.write('locked\\n');
      setTimeout(() => { db.exec('commit'); db.close(); }, 300);`;
    const child = spawn(process.execPath, ['-e', script, join(home, SQLITE_FILE_NAME)], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    defer(() => { child.kill(); });
    const exited = once(child, 'exit');
    await once(child.stdout, 'data');
    const started = performance.now();
    await a.setParam('dev', 'from-parent', 'yes');
    expect(performance.now() - started).toBeGreaterThan(150);
    expect(await a.listParams('dev')).toEqual({ from: 'child', 'from-parent': 'yes' });
    expect((await exited)[0]).toBe(0);
  });

  it('numbers versions published through two stores at once without a clash', async () => {
    const { a, b } = await twoStores();
    const created = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).createVersion(newVersion(`v${i}`))));
    expect(created.map((v) => v.number).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});

describe('opening a store that cannot work', () => {
  it('reports an unreachable PostgreSQL as STORE_ERROR without the password', async () => {
    const error = await rejection(openStore({ databaseUrl: 'postgres://sluice:s3cret@127.0.0.1:1/nowhere' }));
    expect(isSluiceError(error) && error.code).toBe('STORE_ERROR');
    expect((error as Error).message).toContain('127.0.0.1:1/nowhere');
    expect((error as Error).message).not.toContain('s3cret');
    expect(isSluiceError(error) && error.hint).toMatch(/DATABASE_URL/);
  });

  it('rejects a database URL that is not PostgreSQL, and an unsafe schema name', async () => {
    const notPg = await rejection(openStore({ databaseUrl: 'mysql://root@localhost/db' }));
    expect(isSluiceError(notPg) && notPg.code).toBe('STORE_ERROR');
    const badSchema = await rejection(openStore({ databaseUrl: 'postgres://127.0.0.1:1/x', pgSchema: 'x"; drop' }));
    expect(isSluiceError(badSchema) && badSchema.code).toBe('STORE_ERROR');
  });

  it('reports a data directory that cannot be created, and a file that is not a database', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sluice-store-bad-'));
    defer(() => rmSync(root, { recursive: true, force: true }));
    writeFileSync(join(root, 'occupied'), 'a file where the folder should be');
    const noDir = await rejection(openStore({ home: join(root, 'occupied', 'home') }));
    expect(isSluiceError(noDir) && noDir.code).toBe('STORE_ERROR');
    writeFileSync(join(root, SQLITE_FILE_NAME), 'not sqlite '.repeat(200));
    const notDb = await rejection(openStore({ home: root }));
    expect(isSluiceError(notDb) && notDb.code).toBe('STORE_ERROR');
    expect(isSluiceError(notDb) && notDb.message).toContain(SQLITE_FILE_NAME);
  });
});
