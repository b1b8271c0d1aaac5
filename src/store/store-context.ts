// What every query module works with: the Kysely handle (the database or an open transaction), the dialect
// traits and the clock. Query modules are plain functions of this context so KyselyStore stays a thin class.

import type { Kysely } from 'kysely';
import type { DialectTraits } from './dialect.js';
import type { Database } from './schema.js';

export interface StoreContext {
  readonly db: Kysely<Database>;
  readonly traits: DialectTraits;
  readonly now: () => number;
}

/** Runs fn in a transaction, or inside the one already open (a nested call reuses it). */
export function inTransaction<T>(ctx: StoreContext, fn: (tx: StoreContext) => Promise<T>): Promise<T> {
  if (ctx.db.isTransaction) return fn(ctx);
  return ctx.db.transaction().execute((trx) => fn({ ...ctx, db: trx }));
}

/** Rows changed by a write, as a number (Kysely reports bigint). */
export function affected(result: { numDeletedRows?: bigint; numUpdatedRows?: bigint; numInsertedOrUpdatedRows?: bigint | undefined }): number {
  return Number(result.numDeletedRows ?? result.numUpdatedRows ?? result.numInsertedOrUpdatedRows ?? 0n);
}

/** Splits rows so one statement stays well under both databases' bound-parameter limits. */
export function chunks<T>(rows: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
