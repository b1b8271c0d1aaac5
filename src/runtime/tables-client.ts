// `sluice/tables`: the client handlers use to reach the keyed JSON tables of their stage:
//
//   import { table } from 'sluice/tables';
//   await table(process.env.TABLE!).put({ id: 'a1', text: 'hello' });
//
// The deploy engine bundles this file into each handler, so it must stay self-contained: type imports
// only. It talks to the host through the bridge the worker bootstrap installs on
// globalThis[Symbol.for('sluice.runtime')]; the gateway runs each operation against the store.

import type { TableOperation } from './worker-protocol.js';

/** What the Sluice worker installs on globalThis; one call per table operation. */
export interface SluiceRuntimeBridge {
  table(operation: TableOperation): Promise<unknown>;
}

export interface QueryOptions {
  /** Only items whose key starts with this prefix. */
  prefix?: string;
  /** At most this many items. */
  limit?: number;
}

export interface Table<T = Record<string, unknown>> {
  /** The item stored under key, or undefined. */
  get(key: string): Promise<T | undefined>;
  /** Stores the item under the value of the table's key field (e.g. `id`), replacing any previous one. */
  put(item: T): Promise<void>;
  /** Removes the item; true when there was one. */
  delete(key: string): Promise<boolean>;
  /** Items in key order. */
  query(options?: QueryOptions): Promise<T[]>;
}

const BRIDGE = Symbol.for('sluice.runtime');

function bridge(): SluiceRuntimeBridge {
  const found = (globalThis as Record<symbol, unknown>)[BRIDGE] as SluiceRuntimeBridge | undefined;
  if (found === undefined || typeof found.table !== 'function') {
    throw new Error(
      'sluice/tables works only inside a function run by the Sluice runtime (sluice deploy, then call the function); it has no connection outside it.',
    );
  }
  return found;
}

function checkKey(name: string, key: unknown): string {
  if (typeof key !== 'string' || key === '') throw new TypeError(`table("${name}"): the key must be a non-empty string.`);
  return key;
}

export function table<T = Record<string, unknown>>(name: string): Table<T> {
  if (typeof name !== 'string' || name === '') throw new TypeError('table(name): name must be a non-empty string (the physical table name).');
  return {
    async get(key) {
      return (await bridge().table({ op: 'get', table: name, key: checkKey(name, key) })) as T | undefined;
    },
    async put(item) {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new TypeError(`table("${name}").put(item): item must be an object.`);
      await bridge().table({ op: 'put', table: name, item });
    },
    async delete(key) {
      return (await bridge().table({ op: 'delete', table: name, key: checkKey(name, key) })) as boolean;
    },
    async query(options = {}) {
      return (await bridge().table({ op: 'query', table: name, prefix: options.prefix ?? '', limit: options.limit })) as T[];
    },
  };
}
