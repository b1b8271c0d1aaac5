// Git-driven delivery: connected repositories and the branch heads their watcher last saw, webhook
// deliveries (the primary key deduplicates redeliveries), pipeline runs (leased like rollouts, with the
// same lease columns) and their log lines, previews, and releases (what each deploy shipped, so a promotion
// or a revert redeploys the same artifact). Frozen once released: later changes are new files.

import { sql } from 'kysely';
import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { DialectTraits } from '../dialect.js';

export function pipelinesMigration(traits: DialectTraits): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      const identifier = (c: ColumnDefinitionBuilder) => traits.bytewiseText(c.notNull());

      await db.schema.createTable('repositories')
        .addColumn('id', 'text', (c) => identifier(c).primaryKey())
        .addColumn('app', 'text', identifier)
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('app_dir', 'text', (c) => c.notNull())
        .addColumn('github_repo', 'text')
        .addColumn('webhook_secret', 'text')
        .addColumn('poll_interval_ms', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema.createTable('branch_heads')
        .addColumn('repo_id', 'text', identifier)
        .addColumn('branch', 'text', identifier)
        .addColumn('sha', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('branch_heads_pk', ['repo_id', 'branch'])
        .execute();

      await db.schema.createTable('webhook_deliveries')
        .addColumn('id', 'text', (c) => identifier(c).primaryKey())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .execute();

      // `status` is the lease mechanism's column ('active' while unfinished, then 'done');
      // `run_status` is the RunStatus people see.
      await db.schema.createTable('pipeline_runs')
        .addColumn('id', 'text', (c) => identifier(c).primaryKey())
        .addColumn('number', 'integer', (c) => c.notNull())
        .addColumn('app', 'text', identifier)
        .addColumn('repo_id', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('branch', 'text')
        .addColumn('sha', 'text')
        .addColumn('pr', 'integer')
        .addColumn('stage', 'text')
        .addColumn('fork', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('run_status', 'text', (c) => c.notNull())
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('wake_at', 'bigint')
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .addColumn('lease_holder', 'text')
        .addColumn('lease_token', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('lease_expires_at', 'bigint')
        .addUniqueConstraint('pipeline_runs_number_uq', ['app', 'number'])
        .execute();
      await db.schema.createIndex('pipeline_runs_claim_idx').on('pipeline_runs').column('wake_at')
        .where(sql.ref('status'), '=', 'active')
        .execute();
      await db.schema.createIndex('pipeline_runs_branch_idx').on('pipeline_runs').columns(['app', 'branch', 'created_at']).execute();

      await traits.addIdentityColumn(db.schema.createTable('run_logs'), 'id')
        .addColumn('run_id', 'text', identifier)
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('step', 'text', (c) => c.notNull())
        .addColumn('stream', 'text', (c) => c.notNull())
        .addColumn('line', 'text', (c) => c.notNull())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('run_logs_run_idx').on('run_logs').columns(['run_id', 'seq']).unique().execute();

      await db.schema.createTable('previews')
        .addColumn('app', 'text', identifier)
        .addColumn('stage', 'text', identifier)
        .addColumn('repo_id', 'text')
        .addColumn('branch', 'text', (c) => c.notNull())
        .addColumn('pr', 'integer')
        .addColumn('head_sha', 'text', (c) => c.notNull())
        .addColumn('last_activity_at', 'bigint', (c) => c.notNull())
        .addColumn('comment_id', 'bigint')
        .addColumn('protected', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('previews_pk', ['app', 'stage'])
        .execute();

      await db.schema.createTable('releases')
        .addColumn('id', 'text', (c) => identifier(c).primaryKey())
        .addColumn('app', 'text', identifier)
        .addColumn('stage', 'text', identifier)
        .addColumn('commit_sha', 'text')
        .addColumn('tree_sha', 'text')
        .addColumn('sources', 'text', (c) => c.notNull())
        .addColumn('function_code', 'text', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('releases_stage_idx').on('releases').columns(['app', 'stage', 'created_at']).execute();
      await db.schema.createIndex('releases_tree_idx').on('releases').columns(['app', 'tree_sha']).execute();
    },
  };
}
