// First schema of the store: every table of the port. Written against the dialect traits so the same
// migration runs on SQLite and PostgreSQL. A migration is frozen once released: later changes are new files.

import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { DialectTraits } from '../dialect.js';

// Frozen copy of the duration-bucket count at the time of this migration (DURATION_BUCKETS_MS.length).
const HISTOGRAM_BUCKETS = 18;

export function initialMigration(traits: DialectTraits): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      // Names and keys compare and sort bytewise on both databases (see DialectTraits.bytewiseText), so every
      // listing comes back in the same order on SQLite and PostgreSQL and key-prefix ranges are exact.
      const identifier = (c: ColumnDefinitionBuilder) => traits.bytewiseText(c.notNull());
      await db.schema.createTable('stages')
        .addColumn('app', 'text', identifier)
        .addColumn('name', 'text', identifier)
        .addColumn('profile', 'text', identifier)
        .addColumn('kind', 'text', identifier)
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('stages_pk', ['app', 'name'])
        .execute();

      await db.schema.createTable('service_instances')
        .addColumn('app', 'text', identifier)
        .addColumn('stage', 'text', identifier)
        .addColumn('service', 'text', identifier)
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('deployment_id', 'text', identifier)
        .addColumn('deployed_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('service_instances_pk', ['app', 'stage', 'service'])
        .execute();

      await db.schema.createTable('artifacts')
        .addColumn('hash', 'text', (c) => identifier(c).primaryKey())
        .addColumn('content', traits.binaryType, (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema.createTable('versions')
        .addColumn('id', 'text', (c) => identifier(c).primaryKey())
        .addColumn('app', 'text', identifier)
        .addColumn('service', 'text', identifier)
        .addColumn('function', 'text', identifier)
        .addColumn('number', 'integer', (c) => c.notNull())
        .addColumn('code_hash', 'text', identifier)
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        // The numbering guard: two concurrent publications of one function cannot both take number N.
        .addUniqueConstraint('versions_number_unique', ['app', 'service', 'function', 'number'])
        .execute();
      await db.schema.createIndex('versions_code_hash_idx').on('versions').column('code_hash').execute();

      await db.schema.createTable('aliases')
        .addColumn('app', 'text', identifier)
        .addColumn('stage', 'text', identifier)
        .addColumn('service', 'text', identifier)
        .addColumn('function', 'text', identifier)
        .addColumn('name', 'text', identifier)
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('aliases_pk', ['app', 'stage', 'service', 'function', 'name'])
        .execute();

      // Targets are part of their alias (cascade), and must name an existing version (no cascade: a version
      // still routed to cannot disappear).
      await db.schema.createTable('alias_targets')
        .addColumn('app', 'text', identifier)
        .addColumn('stage', 'text', identifier)
        .addColumn('service', 'text', identifier)
        .addColumn('function', 'text', identifier)
        .addColumn('alias', 'text', identifier)
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('version_id', 'text', (c) => identifier(c).references('versions.id'))
        .addColumn('weight', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('alias_targets_pk', ['app', 'stage', 'service', 'function', 'alias', 'position'])
        .addForeignKeyConstraint('alias_targets_alias_fk', ['app', 'stage', 'service', 'function', 'alias'], 'aliases',
          ['app', 'stage', 'service', 'function', 'name'], (fk) => fk.onDelete('cascade'))
        .execute();
      await db.schema.createIndex('alias_targets_version_idx').on('alias_targets').column('version_id').execute();

      await db.schema.createTable('routing_state')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('generation', 'bigint', (c) => c.notNull())
        .execute();
      await db.insertInto('routing_state').values({ id: 1, generation: 0 }).execute();

      await db.schema.createTable('outputs')
        .addColumn('app', 'text', identifier)
        .addColumn('stage', 'text', identifier)
        .addColumn('service', 'text', identifier)
        .addColumn('key', 'text', identifier)
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('outputs_pk', ['app', 'stage', 'service', 'key'])
        .execute();

      for (const table of ['params', 'secrets']) {
        await db.schema.createTable(table)
          .addColumn('profile', 'text', identifier)
          .addColumn('name', 'text', identifier)
          .addColumn(table === 'params' ? 'value' : 'ciphertext', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pk`, ['profile', 'name'])
          .execute();
      }

      await db.schema.createTable('deployments')
        .addColumn('id', 'text', (c) => identifier(c).primaryKey())
        .addColumn('app', 'text', identifier)
        .addColumn('stage', 'text', identifier)
        .addColumn('service', 'text', identifier)
        .addColumn('status', 'text', identifier)
        .addColumn('strategy', 'text', identifier)
        .addColumn('actor', 'text', identifier)
        .addColumn('commit_sha', 'text')
        .addColumn('message', 'text')
        .addColumn('changes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .execute();
      await db.schema.createIndex('deployments_stage_idx').on('deployments').columns(['app', 'stage', 'created_at']).execute();

      await db.schema.createTable('kv_tables')
        .addColumn('name', 'text', (c) => identifier(c).primaryKey())
        .addColumn('app', 'text', identifier)
        .addColumn('stage', 'text', identifier)
        .addColumn('service', 'text', identifier)
        .addColumn('logical', 'text', identifier)
        .addColumn('key_field', 'text', identifier)
        .execute();
      await db.schema.createIndex('kv_tables_stage_idx').on('kv_tables').columns(['app', 'stage']).execute();

      await db.schema.createTable('kv_items')
        .addColumn('table_name', 'text', (c) => identifier(c).references('kv_tables.name').onDelete('cascade'))
        .addColumn('key', 'text', identifier)
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('kv_items_pk', ['table_name', 'key'])
        .execute();

      await traits.addIdentityColumn(db.schema.createTable('logs'), 'id')
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('app', 'text', identifier)
        .addColumn('stage', 'text', identifier)
        .addColumn('service', 'text', identifier)
        .addColumn('function', 'text', identifier)
        .addColumn('version_id', 'text', identifier)
        .addColumn('request_id', 'text', identifier)
        .addColumn('level', 'text', identifier)
        .addColumn('message', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('logs_stage_idx').on('logs').columns(['app', 'stage', 'id']).execute();

      let metrics = db.schema.createTable('metrics')
        .addColumn('app', 'text', identifier)
        .addColumn('stage', 'text', identifier)
        .addColumn('service', 'text', identifier)
        .addColumn('function', 'text', identifier)
        .addColumn('version_id', 'text', identifier)
        .addColumn('bucket', 'bigint', (c) => c.notNull())
        .addColumn('invocations', 'integer', (c) => c.notNull())
        .addColumn('errors', 'integer', (c) => c.notNull())
        .addColumn('throttles', 'integer', (c) => c.notNull())
        .addColumn('duration_sum_ms', 'double precision', (c) => c.notNull());
      for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
        metrics = metrics.addColumn(`h${i}`, 'integer', (c) => c.notNull().defaultTo(0));
      }
      await metrics.addPrimaryKeyConstraint('metrics_pk', ['app', 'stage', 'service', 'function', 'version_id', 'bucket']).execute();
      await db.schema.createIndex('metrics_bucket_idx').on('metrics').columns(['app', 'stage', 'bucket']).execute();

      await traits.addIdentityColumn(db.schema.createTable('events'), 'id')
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', identifier)
        .addColumn('actor', 'text', identifier)
        .addColumn('app', 'text')
        .addColumn('stage', 'text')
        .addColumn('service', 'text')
        .addColumn('payload', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('events_stage_idx').on('events').columns(['app', 'stage', 'id']).execute();
    },
  };
}
