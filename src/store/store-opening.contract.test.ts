// Store contract, opening a store: migrations on every target (fresh, reopened, raced, upgraded from the
// first release), two processes on one SQLite file, and databases that cannot work.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isSluiceError } from '../errors/index.js';
import { SQLITE_FILE_NAME, openStore } from './index.js';
import { StoreHarness } from './testing/store-harness.js';
import { config, instance, live, newRollout, newVersion, rejection } from './testing/store-fixtures.js';

const harness = new StoreHarness(process.env.TEST_DATABASE_URL);
afterEach(() => harness.teardown());
afterAll(() => harness.dropSchemas());

const ALL_MIGRATIONS = ['0001-initial', '0002-rollouts', '0003-tokens-and-audit', '0004-leases', '0005-pipelines'];

for (const target of harness.targets) {
  describe(`Store contract on ${target}: opening and migrations`, () => {
    it('reports its dialect', async () => {
      const { store } = await harness.freshStore(target);
      expect(store.dialect).toBe(target);
    });

    it('reopens an existing database without re-running migrations, keeping the data', async () => {
      const { store, location } = await harness.freshStore(target);
      await store.upsertStage({ app: 'workshop', name: 'dev', profile: 'dev', kind: 'stage' });
      expect(await location.migrationNames()).toEqual(ALL_MIGRATIONS);
      await store.close();
      const again = await harness.openAt(location);
      expect(await again.getStage('workshop', 'dev')).toMatchObject({ profile: 'dev' });
      expect(await location.migrationNames()).toEqual(ALL_MIGRATIONS);
    });

    it('lets two stores migrate the same fresh database at once', async () => {
      const location = harness.createLocation(target);
      const [a, b] = await Promise.all([harness.openAt(location), harness.openAt(location)]);
      await a.setParam('dev', 'env', 'dev');
      expect(await b.listParams('dev')).toEqual({ env: 'dev' });
      expect(await location.migrationNames()).toEqual(ALL_MIGRATIONS);
    });

    it('upgrades a database of the first release: its aliases get no rules, and rollouts work', async () => {
      const location = harness.createLocation(target);
      const old = await harness.migrateTo(location, '0001-initial');
      const key = { app: 'workshop', stage: 'dev', service: 'restapi', function: 'submit' };
      const v1 = { ...newVersion('v1'), number: 1, createdAt: 5 };
      await old.db.insertInto('versions').values({
        id: 'v1', app: 'workshop', service: 'restapi', function: 'submit', number: 1, code_hash: 'code-v1', config: JSON.stringify(config()), created_at: 5,
      }).execute();
      await old.db.insertInto('aliases').values({ ...key, name: 'live', updated_at: 7 }).execute();
      await old.db.insertInto('alias_targets').values({ ...key, alias: 'live', position: 0, version_id: 'v1', weight: 100 }).execute();
      await old.db.insertInto('service_instances').values({ app: 'workshop', stage: 'dev', service: 'restapi', url: 'http://x/dev/restapi', deployment_id: 'd', deployed_at: 1 }).execute();
      await old.close();

      const store = await harness.openAt(location);
      expect(await location.migrationNames()).toEqual(ALL_MIGRATIONS);
      expect(await store.listAliases('workshop', 'dev')).toEqual([{ ...live('restapi', 'submit', [{ versionId: 'v1', weight: 100 }]), rules: {}, updatedAt: 7 }]);
      expect((await store.loadRouting()).services).toEqual([
        { app: 'workshop', stage: 'dev', service: 'restapi', functions: [{ name: 'submit', targets: [{ weight: 100, version: v1 }], rules: {} }], protected: false },
      ]);
      expect((await store.createRollout(newRollout('r1'))).revision).toBe(1);
    });
  });
}

describe('SQLite store on a shared file', () => {
  it('lets two stores on one file see each other\'s writes, in WAL mode', async () => {
    const { store: a, other: b, location } = await harness.twoStores('sqlite');
    await a.upsertStage({ app: 'workshop', name: 'dev', profile: 'dev', kind: 'stage' });
    expect((await b.getStage('workshop', 'dev'))?.profile).toBe('dev');
    await b.createVersion(newVersion('v1'));
    await b.setAlias(live('restapi', 'submit', [{ versionId: 'v1', weight: 100 }]));
    await b.upsertServiceInstance(instance('restapi'));
    expect(await b.bumpRoutingGeneration()).toBe(1);
    const routing = await a.loadRouting();
    expect(routing.generation).toBe(1);
    expect(routing.services[0].functions[0].targets[0].version.id).toBe('v1');
    const raw = new SqliteDatabase(join(location.options.home ?? '', SQLITE_FILE_NAME), { readonly: true });
    harness.defer(() => { raw.close(); });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('waits for another process holding the write lock instead of failing (busy_timeout)', async () => {
    const { store: a, location } = await harness.freshStore('sqlite');
    const script = `
      const Database = require('better-sqlite3');
      const db = new Database(process.argv[1]);
      db.exec('begin immediate');
      db.prepare("insert into params (profile, name, value, updated_at) values ('dev', 'from', 'child', 0)").run();
      process.stdout.write('locked\\n');
      setTimeout(() => { db.exec('commit'); db.close(); }, 300);`;
    const file = join(location.options.home ?? '', SQLITE_FILE_NAME);
    const child = spawn(process.execPath, ['-e', script, file], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    harness.defer(() => { child.kill(); });
    const exited = once(child, 'exit');
    await once(child.stdout, 'data');
    // Without busy_timeout this write would fail at once with SQLITE_BUSY while the child holds the lock.
    await a.setParam('dev', 'from-parent', 'yes');
    expect(await a.listParams('dev')).toEqual({ from: 'child', 'from-parent': 'yes' });
    expect((await exited)[0]).toBe(0);
  });

  it('opens a new file whose write lock another process holds before it is in WAL mode, once the lock is freed', async () => {
    // Two processes creating one file at once: switching to WAL needs the file to itself, and SQLite answers
    // SQLITE_BUSY at once rather than wait under busy_timeout. A child holding the write lock on a file still
    // in rollback mode makes that happen every time.
    const home = harness.createLocation('sqlite').options.home ?? '';
    const file = join(home, SQLITE_FILE_NAME);
    mkdirSync(home, { recursive: true });
    const script = `
      const Database = require('better-sqlite3');
      const db = new Database(process.argv[1]);
      db.exec('create table early (x)');
      db.exec('begin immediate');
      db.prepare('insert into early values (1)').run();
      process.stdout.write('locked\\n');
      setTimeout(() => { db.exec('commit'); db.close(); }, 300);`;
    const child = spawn(process.execPath, ['-e', script, file], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    harness.defer(() => { child.kill(); });
    const exited = once(child, 'exit');
    await once(child.stdout, 'data');
    const store = await openStore({ home });
    harness.defer(() => store.close());
    await store.setParam('dev', 'opened', 'yes');
    expect(await store.listParams('dev')).toEqual({ opened: 'yes' });
    expect((await exited)[0]).toBe(0);
    const raw = new SqliteDatabase(file, { readonly: true });
    harness.defer(() => { raw.close(); });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.prepare('select count(*) as n from early').get()).toEqual({ n: 1 });
  });

  it('numbers versions published through two stores at once without a clash', async () => {
    const { store: a, other: b } = await harness.twoStores('sqlite');
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
    harness.defer(() => rmSync(root, { recursive: true, force: true }));
    writeFileSync(join(root, 'occupied'), 'a file where the folder should be');
    const noDir = await rejection(openStore({ home: join(root, 'occupied', 'home') }));
    expect(isSluiceError(noDir) && noDir.code).toBe('STORE_ERROR');
    writeFileSync(join(root, SQLITE_FILE_NAME), 'not sqlite '.repeat(200));
    const notDb = await rejection(openStore({ home: root }));
    expect(isSluiceError(notDb) && notDb.code).toBe('STORE_ERROR');
    expect(isSluiceError(notDb) && notDb.message).toContain(SQLITE_FILE_NAME);
  });
});
