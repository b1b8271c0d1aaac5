// Kysely's values, from its CommonJS build: the ESM build is 262 modules and loads in about twice the time,
// which every `sluice up` (the gateway process in particular) paid at start. Types still come from
// 'kysely' directly (`import type`); every value comes from here, so all of Sluice shares one copy.

import { createRequire } from 'node:module';
import type * as K from 'kysely';

const kysely = createRequire(import.meta.url)('kysely') as typeof K;

export const { CompiledQuery, Kysely, Migrator, PostgresDialect, SqliteAdapter, SqliteDialect, SqliteDriver, sql } = kysely;
export type CompiledQuery<O = unknown> = K.CompiledQuery<O>;
export type Kysely<DB> = K.Kysely<DB>;
export type Migrator = K.Migrator;
export type PostgresDialect = K.PostgresDialect;
export type SqliteAdapter = K.SqliteAdapter;
export type SqliteDialect = K.SqliteDialect;
export type SqliteDriver = K.SqliteDriver;
