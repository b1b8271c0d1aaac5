// A control plane a team shares: API tokens (stored hashed, never the token), the commit each audit entry
// concerns, and whether a stage's profile needs an approver. Frozen once released, like 0001 and 0002:
// later changes are new files.

import { sql } from 'kysely';
import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { DialectTraits } from '../dialect.js';

export function tokensAndAuditMigration(traits: DialectTraits): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      const identifier = (c: ColumnDefinitionBuilder) => traits.bytewiseText(c.notNull());

      // Revoked tokens stay (the audit names them), so the id, not the name, is the key.
      await db.schema.createTable('api_tokens')
        .addColumn('id', 'text', (c) => identifier(c).primaryKey())
        .addColumn('name', 'text', identifier)
        // sha256 of the token, hex. The lookup on every API call goes through this unique index.
        .addColumn('token_hash', 'text', (c) => identifier(c).unique())
        .addColumn('role', 'text', identifier)
        // JSON array of profile names the token is limited to; null for every profile.
        .addColumn('profiles', 'text')
        .addColumn('created_by', 'text', identifier)
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('last_used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .addColumn('revoked_by', 'text')
        .execute();
      // One live token per name (so `tokens revoke NAME` is unambiguous); a revoked name may be reused.
      await db.schema.createIndex('api_tokens_live_name_idx').on('api_tokens').column('name').unique()
        .where(sql.ref('revoked_at'), 'is', null)
        .execute();

      await db.schema.alterTable('events').addColumn('commit_sha', 'text').execute();
      // `sluice audit --since 1h` reads a time range.
      await db.schema.createIndex('events_ts_idx').on('events').column('ts').execute();

      // 'required' | 'none': remembered from the manifest that deployed the stage, so a later manifest cannot
      // quietly drop `approval: required` (see src/server/access-control.ts).
      await db.schema.alterTable('stages').addColumn('approval', 'text', (c) => c.notNull().defaultTo('none')).execute();
    },
  };
}
