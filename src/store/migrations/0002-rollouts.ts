// Safe rollouts: routing rules on aliases (sticky and header-match), persisted rollouts with the database
// guarding "one active rollout per service", and an index for finding deployments a crash left running.
// Frozen once released, like 0001: later changes are new files.

import { sql } from 'kysely';
import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { DialectTraits } from '../dialect.js';

export function rolloutsMigration(traits: DialectTraits): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      const identifier = (c: ColumnDefinitionBuilder) => traits.bytewiseText(c.notNull());

      // AliasRules as JSON text. Existing aliases get no rules; a constant default keeps ADD COLUMN … NOT NULL
      // legal on SQLite and cheap on PostgreSQL (no table rewrite).
      await db.schema.alterTable('aliases').addColumn('rules', 'text', (c) => c.notNull().defaultTo('{}')).execute();

      // No foreign key to deployments: a stage removal deletes both, and must not depend on the order.
      await db.schema.createTable('rollouts')
        .addColumn('id', 'text', (c) => identifier(c).primaryKey())
        .addColumn('app', 'text', identifier)
        .addColumn('stage', 'text', identifier)
        .addColumn('service', 'text', identifier)
        .addColumn('deployment_id', 'text', identifier)
        .addColumn('status', 'text', identifier)
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('wake_at', 'bigint')
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      // The guard itself, not an optimisation: two control planes checking "no active rollout" and then
      // inserting could both pass the check; the partial unique index lets exactly one insert through.
      // Both SQLite (≥ 3.8) and PostgreSQL have partial indexes; Kysely inlines the literal (DDL takes no
      // parameters), and types the condition's column only when it is indexed, hence sql.ref.
      await db.schema.createIndex('rollouts_one_active_idx').on('rollouts').columns(['app', 'stage', 'service']).unique()
        .where(sql.ref('status'), '=', 'active')
        .execute();
      await db.schema.createIndex('rollouts_stage_idx').on('rollouts').columns(['app', 'stage', 'created_at']).execute();

      await db.schema.createIndex('deployments_running_idx').on('deployments').column('created_at')
        .where(sql.ref('status'), '=', 'running')
        .execute();
    },
  };
}
