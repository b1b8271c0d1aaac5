// Keyed JSON tables declared by services (`resources.tables`): their registry and their items.

import type { Selectable } from 'kysely';
import { SluiceError } from '../errors/index.js';
import type { TableItem, TableRecord } from './types.js';
import type { KvTablesTable } from './schema.js';
import { prefixUpperBound } from './key-range.js';
import { type StoreContext, affected, chunks, inTransaction } from './store-context.js';

function toTable(row: Selectable<KvTablesTable>): TableRecord {
  return { name: row.name, app: row.app, stage: row.stage, service: row.service, logical: row.logical, keyField: row.key_field };
}

export async function registerTable(ctx: StoreContext, table: TableRecord): Promise<void> {
  const row = { name: table.name, app: table.app, stage: table.stage, service: table.service, logical: table.logical, key_field: table.keyField };
  await ctx.db.insertInto('kv_tables').values(row)
    .onConflict((oc) => oc.column('name').doUpdateSet({ app: row.app, stage: row.stage, service: row.service, logical: row.logical, key_field: row.key_field }))
    .execute();
}

export async function getTable(ctx: StoreContext, name: string): Promise<TableRecord | undefined> {
  const row = await ctx.db.selectFrom('kv_tables').selectAll().where('name', '=', name).executeTakeFirst();
  return row && toTable(row);
}

export async function listTables(ctx: StoreContext, app: string, stage: string): Promise<TableRecord[]> {
  const rows = await ctx.db.selectFrom('kv_tables').selectAll().where('app', '=', app).where('stage', '=', stage).orderBy('name').execute();
  return rows.map(toTable);
}

export async function dropTables(ctx: StoreContext, app: string, stage: string): Promise<string[]> {
  return inTransaction(ctx, async (tx) => {
    const names = (await listTables(tx, app, stage)).map((table) => table.name);
    for (const batch of chunks(names, 500)) {
      await tx.db.deleteFrom('kv_items').where('table_name', 'in', batch).execute();
      await tx.db.deleteFrom('kv_tables').where('name', 'in', batch).execute();
    }
    return names;
  });
}

export async function tableGet(ctx: StoreContext, table: string, key: string): Promise<unknown | undefined> {
  const row = await ctx.db.selectFrom('kv_items').select('value').where('table_name', '=', table).where('key', '=', key).executeTakeFirst();
  return row === undefined ? undefined : JSON.parse(row.value);
}

export async function tablePut(ctx: StoreContext, table: string, key: string, value: unknown): Promise<void> {
  const json = JSON.stringify(value) ?? 'null';
  const now = ctx.now();
  try {
    await ctx.db.insertInto('kv_items').values({ table_name: table, key, value: json, updated_at: now })
      .onConflict((oc) => oc.columns(['table_name', 'key']).doUpdateSet({ value: json, updated_at: now }))
      .execute();
  } catch (error) {
    if (!ctx.traits.isForeignKeyViolation(error)) throw error;
    throw new SluiceError('NOT_FOUND', `Table ${table} does not exist.`, {
      hint: 'Declare the table under resources.tables in sluice.yml and deploy the service.',
      cause: error,
    });
  }
}

export async function tableDelete(ctx: StoreContext, table: string, key: string): Promise<boolean> {
  const result = await ctx.db.deleteFrom('kv_items').where('table_name', '=', table).where('key', '=', key).executeTakeFirst();
  return affected(result) > 0;
}

/** Items whose key starts with prefix, in key (code-point) order; limit defaults to 100. */
export async function tableQuery(ctx: StoreContext, table: string, prefix: string, limit = 100): Promise<TableItem[]> {
  let query = ctx.db.selectFrom('kv_items').select(['key', 'value']).where('table_name', '=', table).where('key', '>=', prefix);
  const upper = prefixUpperBound(prefix);
  if (upper !== undefined) query = query.where('key', '<', upper);
  const rows = await query.orderBy('key').limit(limit).execute();
  return rows.map((row) => ({ key: row.key, value: JSON.parse(row.value) as unknown }));
}
