// Where the store contract suite runs: a fresh store per test on every target database (SQLite in a temp
// directory always; PostgreSQL in its own schema when a URL is given), a teardown stack, and raw access
// behind the store's back for migration checks. Free of vitest: each *.contract.test.ts wires the harness
// to its own hooks (afterEach → teardown, afterAll → dropSchemas).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { type DialectTraits, SharedFileSqliteDialect, postgresTraits, sqliteTraits } from '../dialect.js';
import { storeMigrations } from '../migrations/index.js';
import { SQLITE_FILE_NAME, openStore, type OpenStoreOptions } from '../open-store.js';
import type { Store } from '../types.js';
import { type FakeClock, fakeClock } from './store-fixtures.js';

export type StoreTargetName = 'sqlite' | 'postgres';

export interface StoreLocation {
  target: StoreTargetName;
  options: OpenStoreOptions;
  /** Names in Kysely's migration table, read behind the store's back. */
  migrationNames(): Promise<string[]>;
  /** A plain Kysely connection to the same database, and how the store's migrator would be set up on it. */
  connectRaw(): Promise<RawConnection>;
}

export interface RawConnection {
  db: Kysely<any>;
  traits: DialectTraits;
  migrationTableSchema?: string;
}

export interface OpenedStore {
  store: Store;
  clock: FakeClock;
  location: StoreLocation;
}

type Undo = () => Promise<void> | void;

// Kysely's migrator looks for its tables by introspecting every schema of the database, and that query
// fails ("schema … does not exist") when another test file drops its schemas at the same moment. Opens
// (which migrate) hold this advisory lock shared, drops hold it exclusively.
const SCHEMA_DROP_LOCK = 7_356_021;

export class StoreHarness {
  readonly targets: StoreTargetName[];
  readonly #databaseUrl: string | undefined;
  readonly #undo: Undo[] = [];
  // Schemas of finished tests, dropped together after the file (a drop costs about as much as a migration).
  readonly #schemasToDrop: string[] = [];
  #lockClient: Promise<pg.Client> | undefined;

  /** databaseUrl: a PostgreSQL to run the suite on as well (the test passes TEST_DATABASE_URL). */
  constructor(databaseUrl: string | undefined) {
    this.#databaseUrl = databaseUrl || undefined;
    this.targets = this.#databaseUrl ? ['sqlite', 'postgres'] : ['sqlite'];
  }

  /** Registers an undo; teardown runs them in reverse order. Call it right after the setup it undoes. */
  defer(undo: Undo): void {
    this.#undo.push(undo);
  }

  async teardown(): Promise<void> {
    while (this.#undo.length > 0) await this.#undo.pop()?.();
  }

  async dropSchemas(): Promise<void> {
    const url = this.#databaseUrl;
    if (!url) return;
    const lockClient = this.#lockClient;
    this.#lockClient = undefined;
    if (lockClient) await (await lockClient).end();
    if (this.#schemasToDrop.length === 0) return;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('begin');
      await client.query(`select pg_advisory_xact_lock(${SCHEMA_DROP_LOCK})`);
      while (this.#schemasToDrop.length > 0) {
        const batch = this.#schemasToDrop.splice(0, 10).map((schema) => `"${schema}"`).join(', ');
        await client.query(`drop schema if exists ${batch} cascade`);
      }
      await client.query('commit');
    } finally {
      await client.end();
    }
  }

  /** Runs fn (which migrates) while no test file drops schemas; SQLite needs no such care. */
  async #whileNoSchemaIsDropped<T>(location: StoreLocation, fn: () => Promise<T>): Promise<T> {
    const url = this.#databaseUrl;
    if (location.target !== 'postgres' || !url) return fn();
    this.#lockClient ??= (async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    })();
    const client = await this.#lockClient;
    await client.query(`select pg_advisory_lock_shared(${SCHEMA_DROP_LOCK})`);
    try {
      return await fn();
    } finally {
      await client.query(`select pg_advisory_unlock_shared(${SCHEMA_DROP_LOCK})`);
    }
  }

  /** An empty database of the target, removed at teardown (PostgreSQL: at dropSchemas). */
  createLocation(target: StoreTargetName): StoreLocation {
    if (target === 'sqlite') {
      const home = mkdtempSync(join(tmpdir(), 'sluice-store-'));
      this.defer(() => rmSync(home, { recursive: true, force: true }));
      return sqliteLocation(home);
    }
    const url = this.#databaseUrl;
    if (!url) throw new Error('The postgres target needs a database URL.');
    const schema = `sluice_test_${randomBytes(6).toString('hex')}`;
    this.#schemasToDrop.push(schema);
    return postgresLocation(url, schema);
  }

  async openAt(location: StoreLocation, now?: () => number): Promise<Store> {
    const store = await this.#whileNoSchemaIsDropped(location, () => openStore({ ...location.options, now }));
    this.defer(() => store.close());
    return store;
  }

  /** Fresh, empty store per test so global reads (routing, artifacts, secrets, rollouts) see only its data. */
  async freshStore(target: StoreTargetName): Promise<OpenedStore> {
    const location = this.createLocation(target);
    const clock = fakeClock();
    return { store: await this.openAt(location, clock.now), clock, location };
  }

  /** Two stores on one fresh database, like two control-plane processes (one clock shared). */
  async twoStores(target: StoreTargetName): Promise<OpenedStore & { other: Store }> {
    const opened = await this.freshStore(target);
    return { ...opened, other: await this.openAt(opened.location, opened.clock.now) };
  }

  /** A raw connection whose database is migrated up to `migration` only, as an older Sluice left it. */
  async migrateTo(location: StoreLocation, migration: string): Promise<{ db: Kysely<any>; close(): Promise<void> }> {
    const { db, traits, migrationTableSchema } = await location.connectRaw();
    let destroyed = false;
    const close = async () => {
      if (!destroyed) await db.destroy();
      destroyed = true;
    };
    this.defer(close);
    const migrator = new Migrator({ db, provider: storeMigrations(traits), ...(migrationTableSchema ? { migrationTableSchema } : {}) });
    const { error } = await this.#whileNoSchemaIsDropped(location, () => migrator.migrateTo(migration));
    if (error !== undefined) throw error;
    return { db, close };
  }
}

function sqliteLocation(home: string): StoreLocation {
  const file = join(home, SQLITE_FILE_NAME);
  return {
    target: 'sqlite',
    options: { home },
    async migrationNames() {
      const db = new SqliteDatabase(file, { readonly: true });
      try {
        return (db.prepare('select name from kysely_migration order by name').all() as Array<{ name: string }>).map((row) => row.name);
      } finally {
        db.close();
      }
    },
    async connectRaw() {
      const database = new SqliteDatabase(file);
      database.pragma('foreign_keys = ON');
      return { db: new Kysely<any>({ dialect: new SharedFileSqliteDialect({ database }) }), traits: sqliteTraits };
    },
  };
}

function postgresLocation(databaseUrl: string, schema: string): StoreLocation {
  return {
    target: 'postgres',
    options: { databaseUrl, pgSchema: schema },
    async migrationNames() {
      return (await adminQuery(databaseUrl, `select name from "${schema}".kysely_migration order by name`)).rows.map((row: { name: string }) => row.name);
    },
    async connectRaw() {
      // The store creates its schema on open; so did the older Sluice that left the database behind.
      await adminQuery(databaseUrl, `create schema if not exists "${schema}"`);
      const pool = new pg.Pool({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
      pool.on('error', () => {});
      return { db: new Kysely<any>({ dialect: new PostgresDialect({ pool }) }), traits: postgresTraits, migrationTableSchema: schema };
    },
  };
}

async function adminQuery(databaseUrl: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}
