// Opens the store: PostgreSQL when a database URL is given, otherwise the embedded SQLite file under the
// data directory. Runs the migrations on open and turns an unreachable or unusable database into a
// STORE_ERROR with a hint instead of a stack.

import { mkdirSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { join, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { SluiceError } from '../errors/index.js';
import { SharedFileSqliteDialect, errorCode, postgresTraits, sqliteTraits, type DialectTraits } from './dialect.js';
import { KyselyStore } from './kysely-store.js';
import { PgNotificationListener } from './pg-notifications.js';
import { storeMigrations } from './migrations/index.js';
import type { Database } from './schema.js';
import type { Store } from './types.js';

export interface OpenStoreOptions {
  /** Data directory of the embedded SQLite database (`${home}/sluice.db`); default `./.sluice`. */
  home?: string;
  /** `postgres://user:password@host:port/database`; when set, PostgreSQL is used instead of SQLite. */
  databaseUrl?: string;
  /** PostgreSQL only: create and use this schema (through search_path), e.g. to isolate a test run. */
  pgSchema?: string;
  /** Clock for every timestamp the store writes; default Date.now. */
  now?: () => number;
}

export const SQLITE_FILE_NAME = 'sluice.db';

interface Connection {
  db: Kysely<Database>;
  traits: DialectTraits;
  migrationTableSchema?: string;
  /** SQLite file path: opens of one file in this process migrate one at a time. */
  file?: string;
  /** PostgreSQL: the LISTEN client, connected on first use. */
  notifications?: PgNotificationListener;
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const postgres = options.databaseUrl ? splitSchemaParameter(options.databaseUrl) : undefined;
  const connection = postgres
    ? await connectPostgres(postgres.url, options.pgSchema ?? postgres.schema)
    : await connectSqlite(resolve(options.home ?? '.sluice'));
  if (connection.file) await oneAtATime(connection.file, () => migrate(connection));
  else await migrate(connection);
  return new KyselyStore(connection.db, connection.traits, options.now, connection.notifications);
}

/**
 * `postgres://…?schema=NAME` selects (and creates) a schema, the convention other tools use too. The parameter
 * is taken out of the URL because the server would refuse it as an unknown startup setting.
 */
function splitSchemaParameter(databaseUrl: string): { url: string; schema: string | undefined } {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return { url: databaseUrl, schema: undefined };
  }
  const schema = url.searchParams.get('schema') ?? undefined;
  if (schema === undefined) return { url: databaseUrl, schema };
  url.searchParams.delete('schema');
  return { url: url.toString(), schema };
}

// Across processes, SQLite's file lock orders the migrations (see SharedFileSqliteDialect). Inside one
// process it cannot: better-sqlite3 waits for a lock synchronously, so a second store waiting for the first
// blocks the very event loop the first needs to finish, until busy_timeout fails it.
const migratingFiles = new Map<string, Promise<void>>();

function oneAtATime(file: string, fn: () => Promise<void>): Promise<void> {
  const current = (migratingFiles.get(file) ?? Promise.resolve()).then(fn);
  const settled = current.then(() => {}, () => {});
  migratingFiles.set(file, settled);
  void settled.then(() => { if (migratingFiles.get(file) === settled) migratingFiles.delete(file); });
  return current;
}

/**
 * The first opening of a new file switches it to WAL, which needs the file to itself. When two processes
 * (control plane and gateway) create the file at the same moment, SQLite answers one of them SQLITE_BUSY at
 * once, without waiting under busy_timeout (it would deadlock otherwise); that one tries again shortly.
 */
const OPEN_BUSY_DEADLINE_MS = 5_000;

async function connectSqlite(home: string): Promise<Connection> {
  const file = join(home, SQLITE_FILE_NAME);
  const deadline = Date.now() + OPEN_BUSY_DEADLINE_MS;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return { db: new Kysely<Database>({ dialect: new SharedFileSqliteDialect({ database: openSqliteFile(home, file) }) }), traits: sqliteTraits, file };
    } catch (error) {
      if (isBusy(error) && Date.now() < deadline) {
        await delay(Math.min(10 * attempt, 100) + Math.random() * 10);
        continue;
      }
      throw new SluiceError('STORE_ERROR', `Cannot open the SQLite database ${file}: ${errorMessage(error)}`, {
        hint: 'Pass a writable data directory with --home DIR or SLUICE_HOME; if the file is damaged, move it away.',
        cause: error,
      });
    }
  }
}

function openSqliteFile(home: string, file: string): SqliteDatabase.Database {
  let database: SqliteDatabase.Database | undefined;
  try {
    mkdirSync(home, { recursive: true });
    database = new SqliteDatabase(file);
    // Two processes (control plane and gateway) share the file: wait for the other's lock instead of failing.
    database.pragma('busy_timeout = 5000');
    // WAL lets the gateway read while the control plane writes; NORMAL sync is durable across process
    // crashes (only an OS crash may lose the last transactions) and keeps log and metric writes cheap.
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    return database;
  } catch (error) {
    database?.close();
    throw error;
  }
}

function isBusy(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED';
}

// int8 (bigint: timestamps, identity ids, count(*)) comes back from pg as a string by default; every such
// value here stays far below 2^53, so it is parsed as a number for this pool only.
const INT8_OID = 20;
function pgTypes(types: typeof pg.types): { getTypeParser: typeof pg.types.getTypeParser } {
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
  };
}

async function connectPostgres(databaseUrl: string, schema: string | undefined): Promise<Connection> {
  const where = describePostgresUrl(databaseUrl);
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new SluiceError('STORE_ERROR', `Invalid PostgreSQL schema name "${schema}".`, {
      hint: 'Use lowercase letters, digits and underscores, starting with a letter or underscore.',
    });
  }
  const settings = { connectionString: databaseUrl, connectionTimeoutMillis: 10_000, ...(schema ? { options: `-c search_path=${schema}` } : {}) };
  // Loaded only for PostgreSQL: the embedded default starts without it.
  const { default: pgModule } = await import('pg');
  const pool = new pgModule.Pool({ ...settings, types: pgTypes(pgModule.types) });
  // An idle client whose server connection drops emits 'error' on the pool; without a listener that would
  // crash the process. The pool discards the client and the next query connects again.
  pool.on('error', () => {});
  // A client checked out of the pool (a transaction between two statements) emits 'error' on itself when the
  // server goes away (e.g. 57P01 on a restart); the statement in flight fails, the process must not.
  pool.on('connect', (client) => client.on('error', () => {}));
  try {
    await pool.query('select 1');
    if (schema) await createSchema(pool, schema);
  } catch (error) {
    await pool.end().catch(() => {});
    throw new SluiceError('STORE_ERROR', `Cannot reach PostgreSQL at ${where}: ${errorMessage(error)}`, {
      hint: 'Check that PostgreSQL is running and that DATABASE_URL (user, password, host, port, database) is right.',
      cause: error,
    });
  }
  return {
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
    traits: postgresTraits,
    migrationTableSchema: schema,
    notifications: new PgNotificationListener(settings),
  };
}

// `create schema if not exists` can still fail with a unique violation when two connections create the same
// schema at once; what matters is that it exists afterwards.
async function createSchema(pool: pg.Pool, schema: string): Promise<void> {
  try {
    await pool.query(`create schema if not exists "${schema}"`);
  } catch (error) {
    const found = await pool.query('select 1 from pg_namespace where nspname = $1', [schema]);
    if (found.rowCount === 0) throw error;
  }
}

/** host:port/database of a URL, never its password. */
function describePostgresUrl(databaseUrl: string): string {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new SluiceError('STORE_ERROR', 'DATABASE_URL is not a PostgreSQL URL.', {
      hint: 'Write it as postgres://user:password@host:5432/database, or unset it to use the embedded SQLite store.',
    });
  }
  return `${url.hostname || 'localhost'}:${url.port || '5432'}${url.pathname || '/'}`;
}

/** Runs pending migrations; Kysely reports { error, results } and each migration runs in its transaction. */
async function migrate({ db, traits, migrationTableSchema }: Connection): Promise<void> {
  const migrator = new Migrator({ db, provider: storeMigrations(traits), ...(migrationTableSchema ? { migrationTableSchema } : {}) });
  const { error, results } = await migrator.migrateToLatest().catch((thrown: unknown) => ({ error: thrown, results: undefined }));
  if (error === undefined) return;
  await db.destroy().catch(() => {});
  const failed = results?.find((result) => result.status === 'Error');
  throw new SluiceError('STORE_ERROR', `Migrating the ${traits.name} store failed${failed ? ` at ${failed.migrationName}` : ''}: ${errorMessage(error)}`, {
    hint: 'The database may have been written by a newer Sluice, or be damaged; use a matching Sluice version or a fresh data directory.',
    cause: error,
  });
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || (error as { code?: string }).code || error.name;
  return String(error);
}
