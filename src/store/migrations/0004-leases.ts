// Several control-plane processes on one database: leases on rollouts (who may step one, with a fencing
// token that grows on every claim), an inbox for events that reach a process not holding the lease, and
// the scheduled runs claimed so each fires once. Frozen once released, like 0001-0003: later changes are
// new files.

import { sql } from 'kysely';
import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { DialectTraits } from '../dialect.js';

export function leasesMigration(traits: DialectTraits): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      const identifier = (c: ColumnDefinitionBuilder) => traits.bytewiseText(c.notNull());

      // One column per statement: SQLite's ALTER TABLE adds one at a time. No lease: holder and expiry null;
      // the token stays when a lease is released, so the next claim still gets a greater one.
      await db.schema.alterTable('rollouts').addColumn('lease_holder', 'text').execute();
      await db.schema.alterTable('rollouts').addColumn('lease_token', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('rollouts').addColumn('lease_expires_at', 'bigint').execute();
      // The claim loop of every process looks for due or orphaned active rollouts a few times per lease period.
      await db.schema.createIndex('rollouts_claim_idx').on('rollouts').column('wake_at')
        .where(sql.ref('status'), '=', 'active')
        .execute();
      // Rollouts from before leases are due at once: the first process to claim them reconciles them with a
      // tick, as resume() did for every active rollout.
      await db.updateTable('rollouts').set({ wake_at: 0 }).where('status', '=', 'active').execute();

      // Events (manual commands, hook results) for leased work that another live process holds; the holder
      // applies and deletes them in the transaction that saves the new state. `work` names the leased table.
      await traits.addIdentityColumn(db.schema.createTable('lease_inbox'), 'id')
        .addColumn('work', 'text', identifier)
        .addColumn('work_id', 'text', identifier)
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('lease_inbox_work_idx').on('lease_inbox').columns(['work', 'work_id', 'id']).execute();

      // One row per scheduled run that a gateway invoked: the primary key lets exactly one gateway claim it.
      await db.schema.createTable('schedule_ticks')
        .addColumn('app', 'text', identifier)
        .addColumn('stage', 'text', identifier)
        .addColumn('service', 'text', identifier)
        .addColumn('function', 'text', identifier)
        .addColumn('schedule', 'text', identifier)
        .addColumn('scheduled_at', 'bigint', (c) => c.notNull())
        .addColumn('holder', 'text', identifier)
        .addColumn('claimed_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('schedule_ticks_pk', ['app', 'stage', 'service', 'function', 'schedule', 'scheduled_at'])
        .execute();
    },
  };
}
