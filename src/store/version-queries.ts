// Artifacts (bundles by content hash) and immutable function versions. Aliases and the routing snapshot
// built on versions are in alias-queries.ts.

import { sql, type Selectable } from 'kysely';
import { SluiceError } from '../errors/index.js';
import type { DeploymentRecord, FunctionConfig, NewVersion, VersionRecord } from './types.js';
import type { VersionsTable } from './schema.js';
import { type StoreContext, affected, chunks } from './store-context.js';

/** Enough for any realistic burst of concurrent publications of one function; each retry means progress. */
const MAX_NUMBERING_ATTEMPTS = 50;

export async function putArtifact(ctx: StoreContext, hash: string, content: Buffer): Promise<void> {
  await ctx.db.insertInto('artifacts')
    .values({ hash, content, size: content.length, created_at: ctx.now() })
    .onConflict((oc) => oc.column('hash').doNothing())
    .execute();
}

export async function getArtifact(ctx: StoreContext, hash: string): Promise<Buffer | undefined> {
  const row = await ctx.db.selectFrom('artifacts').select('content').where('hash', '=', hash).executeTakeFirst();
  return row?.content;
}

export async function deleteUnreferencedArtifacts(ctx: StoreContext): Promise<number> {
  // A release (what a deploy shipped) keeps its bundles: a promotion or a revert deploys them again even when
  // their versions were collected. A release lists its hashes in JSON text; a hash is 64 hex characters, so
  // finding it as a substring is exact.
  const result = await ctx.db.deleteFrom('artifacts')
    .where(({ not, exists, selectFrom }) => not(exists(
      selectFrom('versions').select('versions.id').whereRef('versions.code_hash', '=', 'artifacts.hash'),
    )))
    .where((eb) => eb.not(eb.exists(
      eb.selectFrom('releases').select('releases.id').where('releases.function_code', 'like', sql<string>`'%' || ${eb.ref('artifacts.hash')} || '%'`),
    )))
    .executeTakeFirst();
  return affected(result);
}

export function toVersion(row: Selectable<VersionsTable>): VersionRecord {
  return {
    id: row.id,
    app: row.app,
    service: row.service,
    function: row.function,
    number: row.number,
    codeHash: row.code_hash,
    config: JSON.parse(row.config) as FunctionConfig,
    createdAt: row.created_at,
  };
}

export async function getVersion(ctx: StoreContext, id: string): Promise<VersionRecord | undefined> {
  const row = await ctx.db.selectFrom('versions').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toVersion(row);
}

/**
 * Idempotent by id. The number is max+1 for the function; two concurrent publications may read the same max,
 * so the insert is `on conflict do nothing` against the (function, number) unique constraint and the loser
 * tries again. Not an exception-and-retry: inside a PostgreSQL transaction a failed statement would abort it.
 */
export async function createVersion(ctx: StoreContext, version: NewVersion): Promise<VersionRecord> {
  for (let attempt = 0; attempt < MAX_NUMBERING_ATTEMPTS; attempt++) {
    const existing = await getVersion(ctx, version.id);
    if (existing) return sameFunctionOrThrow(existing, version);
    const last = await ctx.db.selectFrom('versions')
      .select((eb) => eb.fn.max('number').as('number'))
      .where('app', '=', version.app).where('service', '=', version.service).where('function', '=', version.function)
      .executeTakeFirst();
    const row = {
      id: version.id,
      app: version.app,
      service: version.service,
      function: version.function,
      number: (last?.number ?? 0) + 1,
      code_hash: version.codeHash,
      config: JSON.stringify(version.config),
      created_at: ctx.now(),
    };
    const result = await ctx.db.insertInto('versions').values(row).onConflict((oc) => oc.doNothing()).executeTakeFirst();
    if (affected(result) === 1) return toVersion(row);
  }
  throw new SluiceError('STORE_ERROR', `Could not number version ${version.id} of ${version.service}.${version.function}: too many concurrent publications.`, {
    hint: 'Deploy again; if it keeps failing, check that only Sluice writes to the database.',
  });
}

// A version id is a content address; the same id under another function means the caller hashed too little.
function sameFunctionOrThrow(existing: VersionRecord, version: NewVersion): VersionRecord {
  if (existing.app === version.app && existing.service === version.service && existing.function === version.function) return existing;
  throw new Error(`Version ${version.id} already belongs to ${existing.app}/${existing.service}/${existing.function}, `
    + `not ${version.app}/${version.service}/${version.function}; the version hash must cover the function's identity.`);
}

export async function listVersions(ctx: StoreContext, app: string, service: string, fn?: string): Promise<VersionRecord[]> {
  let query = ctx.db.selectFrom('versions').selectAll().where('app', '=', app).where('service', '=', service);
  if (fn !== undefined) query = query.where('function', '=', fn);
  return (await query.orderBy('function').orderBy('number').execute()).map(toVersion);
}

/**
 * A version stays while an alias of any stage targets it or a remaining deployment's changes name it (so
 * the history of other stages can still be rolled back). Deployment changes are JSON, read here rather than
 * searched in SQL; the final delete re-checks aliases in the same statement, so a version an alias starts
 * to reference meanwhile is never deleted.
 */
export async function deleteUnreferencedVersions(ctx: StoreContext, app: string): Promise<string[]> {
  const unaliased = ctx.db.selectFrom('versions').select('id').where('app', '=', app)
    .where(({ not, exists, selectFrom }) => not(exists(
      selectFrom('alias_targets').select('alias_targets.version_id').whereRef('alias_targets.version_id', '=', 'versions.id'),
    )));
  const candidates = (await unaliased.execute()).map((row) => row.id);
  if (candidates.length === 0) return [];
  const inHistory = new Set<string>();
  for (const row of await ctx.db.selectFrom('deployments').select('changes').where('app', '=', app).execute()) {
    for (const change of JSON.parse(row.changes) as DeploymentRecord['changes']) {
      inHistory.add(change.to);
      if (change.from !== null) inHistory.add(change.from);
    }
  }
  const deleted: string[] = [];
  for (const batch of chunks(candidates.filter((id) => !inHistory.has(id)), 500)) {
    const rows = await ctx.db.deleteFrom('versions')
      .where('id', 'in', batch)
      .where(({ not, exists, selectFrom }) => not(exists(
        selectFrom('alias_targets').select('alias_targets.version_id').whereRef('alias_targets.version_id', '=', 'versions.id'),
      )))
      .returning('id')
      .execute();
    deleted.push(...rows.map((row) => row.id));
  }
  return deleted.sort();
}
