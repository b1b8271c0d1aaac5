// Every difference between SQLite and PostgreSQL that the store has to know about, in one place. The queries
// elsewhere are written once against Kysely; only what cannot be said the same way on both lives here.

import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver, sql } from 'kysely';
import type { ColumnDefinitionBuilder, CreateTableBuilder, DatabaseConnection, DialectAdapter, Driver, SqliteDialectConfig } from 'kysely';

export type DialectName = 'sqlite' | 'postgres';

export interface DialectTraits {
  readonly name: DialectName;
  /**
   * Binary content: SQLite calls it `blob`, PostgreSQL `bytea`. Both drivers hand back a Node Buffer.
   */
  readonly binaryType: 'blob' | 'bytea';
  /**
   * An ever-increasing id for append-only tables (logs, events). SQLite needs `integer primary key
   * autoincrement` (exactly `integer`, or it is no rowid alias; `autoincrement` so ids of deleted rows are
   * never handed out again, which a tailing reader with `afterId` relies on). PostgreSQL uses a `bigint`
   * identity column; its int8 values are parsed as JS numbers by the pool (see open-store.ts).
   */
  addIdentityColumn<T extends CreateTableBuilder<string, never>>(table: T, column: string): T;
  /**
   * Names and keys sort and compare bytewise, so listings come back in the same order on both databases and
   * a key-prefix query is an exact range scan. SQLite compares text with memcmp (BINARY) by default; PostgreSQL uses the
   * database's collation (often a locale that ignores punctuation and case), so the column is declared
   * `collate "C"`. Over UTF-8 both orders are Unicode code-point order.
   */
  bytewiseText(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** Whether an error from the driver is a foreign-key violation (SQLite and PostgreSQL report it differently). */
  isForeignKeyViolation(error: unknown): boolean;
  /** Whether an error from the driver is a unique (or primary-key) violation. */
  isUniqueViolation(error: unknown): boolean;
}

// Shared on purpose, not a difference: `insert … on conflict (…) do update set c = t.c + excluded.c`, `on
// conflict do nothing` and `returning` have the same form on SQLite ≥ 3.35 (better-sqlite3 bundles a newer
// one) and PostgreSQL, so the upserts in the query modules are written once.

export const sqliteTraits: DialectTraits = {
  name: 'sqlite',
  binaryType: 'blob',
  addIdentityColumn: (table, column) => table.addColumn(column, 'integer', (col) => col.primaryKey().autoIncrement()) as typeof table,
  bytewiseText: (column) => column,
  isForeignKeyViolation: (error) => errorCode(error) === 'SQLITE_CONSTRAINT_FOREIGNKEY',
  isUniqueViolation: (error) => errorCode(error) === 'SQLITE_CONSTRAINT_UNIQUE' || errorCode(error) === 'SQLITE_CONSTRAINT_PRIMARYKEY',
};

export const postgresTraits: DialectTraits = {
  name: 'postgres',
  binaryType: 'bytea',
  addIdentityColumn: (table, column) => table.addColumn(column, 'bigint', (col) => col.generatedByDefaultAsIdentity().primaryKey()) as typeof table,
  bytewiseText: (column) => column.modifyEnd(sql`collate "C"`),
  isForeignKeyViolation: (error) => errorCode(error) === '23503',
  isUniqueViolation: (error) => errorCode(error) === '23505',
};

/** The `code` of a driver error (better-sqlite3's SQLITE_…, pg's SQLSTATE); undefined for anything else. */
export function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

/**
 * Kysely's SQLite dialect, made safe for two processes on one file (the control plane and the gateway):
 *
 * - Transactions start with `begin immediate` instead of a deferred `begin`. A deferred transaction that
 *   reads and then writes fails with SQLITE_BUSY at once when the other process wrote in between
 *   (busy_timeout does not cover that upgrade); `begin immediate` takes the write lock up front and waits
 *   for it under busy_timeout.
 * - Migrations run in one transaction. Kysely's SQLite adapter says SQLite has no transactional DDL (it
 *   does) and takes no migration lock, assuming one connection; with two processes both would read "not
 *   migrated" and both create the tables. Inside a `begin immediate` transaction the second one waits, then
 *   sees the migrations done.
 */
export class SharedFileSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}
