// The host side of `sluice/tables`: runs one table operation a worker asked for against the store.
// The key field of each table is looked up once per routing generation (tables are created by deploys,
// which also bump the generation).

import type { TableRecord } from '../store/types.js';
import type { RuntimeStore } from './runtime-store.js';
import type { TableOperation } from './worker-protocol.js';

export class TableBridge {
  private readonly keyFields = new Map<string, Promise<TableRecord | undefined>>();

  constructor(private readonly store: RuntimeStore) {}

  /** Forget cached table definitions (at reload). */
  clear(): void {
    this.keyFields.clear();
  }

  async run(operation: TableOperation): Promise<unknown> {
    const record = await this.describe(operation.table);
    switch (operation.op) {
      case 'get':
        return this.store.tableGet(record.name, operation.key);
      case 'put': {
        const item = operation.item as Record<string, unknown>;
        const key = item?.[record.keyField];
        if ((typeof key !== 'string' || key === '') && typeof key !== 'number') {
          throw namedError('ValidationException', `table("${record.name}").put(item): the item needs a non-empty string "${record.keyField}" (the table's key field).`);
        }
        await this.store.tablePut(record.name, String(key), item);
        return undefined;
      }
      case 'delete':
        return this.store.tableDelete(record.name, operation.key);
      case 'query': {
        const items = await this.store.tableQuery(record.name, operation.prefix, operation.limit);
        return items.map((item) => item.value);
      }
    }
  }

  private async describe(name: string): Promise<TableRecord> {
    let pending = this.keyFields.get(name);
    if (pending === undefined) {
      pending = this.store.getTable(name);
      this.keyFields.set(name, pending);
    }
    let record: TableRecord | undefined;
    try {
      record = await pending;
    } catch (error) {
      this.keyFields.delete(name);
      throw error;
    }
    if (record === undefined) {
      this.keyFields.delete(name);
      throw namedError('ResourceNotFoundException', `Table "${name}" does not exist. Declare it under resources.tables of a service and deploy that service to this stage.`);
    }
    return record;
  }
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
