// API tokens. Only the sha256 of a token is stored, and no query returns it; a request's token is found by
// its hash. Tokens are never deleted: a revoked one keeps its row, so the audit timeline can name it.

import type { Selectable } from 'kysely';
import { SluiceError } from '../errors/index.js';
import type { NewToken, TokenRecord, TokenRole } from './types.js';
import type { ApiTokensTable } from './schema.js';
import { type StoreContext, affected } from './store-context.js';

function toToken(row: Selectable<ApiTokensTable>): TokenRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role as TokenRole,
    profiles: row.profiles === null ? null : (JSON.parse(row.profiles) as string[]),
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
  };
}

/**
 * `on conflict do nothing` rather than catching the unique violation, as in createRollout: inside a
 * PostgreSQL transaction a failed statement aborts the transaction, and the caller's audit entry goes in it.
 */
export async function createToken(ctx: StoreContext, token: NewToken): Promise<TokenRecord> {
  const row = {
    id: token.id,
    name: token.name,
    token_hash: token.tokenHash,
    role: token.role,
    profiles: token.profiles === null ? null : JSON.stringify(token.profiles),
    created_by: token.createdBy,
    created_at: ctx.now(),
    expires_at: token.expiresAt,
    last_used_at: null,
    revoked_at: null,
    revoked_by: null,
  };
  const result = await ctx.db.insertInto('api_tokens').values(row).onConflict((oc) => oc.doNothing()).executeTakeFirst();
  if (affected(result) !== 1) {
    throw new SluiceError('CONFLICT', `A token named ${token.name} already exists.`, {
      hint: `Pick another name, or revoke the old one first with \`sluice tokens revoke ${token.name}\`.`,
    });
  }
  return toToken(row);
}

export async function findTokenByHash(ctx: StoreContext, tokenHash: string): Promise<TokenRecord | undefined> {
  const row = await ctx.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  return row && toToken(row);
}

export async function listTokens(ctx: StoreContext): Promise<TokenRecord[]> {
  const rows = await ctx.db.selectFrom('api_tokens').selectAll().orderBy('created_at').orderBy('name').orderBy('id').execute();
  return rows.map(toToken);
}

export async function revokeToken(ctx: StoreContext, name: string, revokedBy: string): Promise<TokenRecord | undefined> {
  const row = await ctx.db.updateTable('api_tokens')
    .set({ revoked_at: ctx.now(), revoked_by: revokedBy })
    .where('name', '=', name)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  return row && toToken(row);
}

export async function markTokenUsed(ctx: StoreContext, id: string, at: number): Promise<void> {
  await ctx.db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
}

export async function hasTokens(ctx: StoreContext): Promise<boolean> {
  const row = await ctx.db.selectFrom('api_tokens').select('id').limit(1).executeTakeFirst();
  return row !== undefined;
}
