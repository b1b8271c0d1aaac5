// Artifacts (bundles by content hash), immutable function versions, aliases with weighted targets, and the
// routing snapshot the gateway serves from.

import type { Selectable } from 'kysely';
import { SluiceError } from '../errors/index.js';
import type { AliasRecord, DeploymentRecord, FunctionConfig, NewVersion, RoutedService, RoutingSnapshot, VersionRecord } from './types.js';
import type { VersionsTable } from './schema.js';
import { type StoreContext, affected, chunks, inTransaction } from './store-context.js';
import { toServiceInstance } from './stage-queries.js';

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
  const result = await ctx.db.deleteFrom('artifacts')
    .where(({ not, exists, selectFrom }) => not(exists(
      selectFrom('versions').select('versions.id').whereRef('versions.code_hash', '=', 'artifacts.hash'),
    )))
    .executeTakeFirst();
  return affected(result);
}

function toVersion(row: Selectable<VersionsTable>): VersionRecord {
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

export async function setAlias(ctx: StoreContext, alias: Omit<AliasRecord, 'updatedAt'>): Promise<void> {
  const key = { app: alias.app, stage: alias.stage, service: alias.service, function: alias.function };
  try {
    await inTransaction(ctx, async (tx) => {
      const now = tx.now();
      await tx.db.insertInto('aliases').values({ ...key, name: alias.name, updated_at: now })
        .onConflict((oc) => oc.columns(['app', 'stage', 'service', 'function', 'name']).doUpdateSet({ updated_at: now }))
        .execute();
      await tx.db.deleteFrom('alias_targets')
        .where('app', '=', key.app).where('stage', '=', key.stage).where('service', '=', key.service)
        .where('function', '=', key.function).where('alias', '=', alias.name)
        .execute();
      if (alias.targets.length === 0) return;
      await tx.db.insertInto('alias_targets')
        .values(alias.targets.map((target, position) => ({ ...key, alias: alias.name, position, version_id: target.versionId, weight: target.weight })))
        .execute();
    });
  } catch (error) {
    if (!ctx.traits.isForeignKeyViolation(error)) throw error;
    const ids = alias.targets.map((t) => t.versionId).join(', ');
    throw new SluiceError('NOT_FOUND', `Alias ${alias.name} of ${alias.service}.${alias.function} points at an unknown version (${ids}).`, {
      hint: 'Publish the version before pointing an alias at it.',
      cause: error,
    });
  }
}

export async function listAliases(ctx: StoreContext, app: string, stage: string, service?: string): Promise<AliasRecord[]> {
  let query = ctx.db.selectFrom('aliases as a')
    .leftJoin('alias_targets as t', (join) => join
      .onRef('t.app', '=', 'a.app').onRef('t.stage', '=', 'a.stage').onRef('t.service', '=', 'a.service')
      .onRef('t.function', '=', 'a.function').onRef('t.alias', '=', 'a.name'))
    .select(['a.app', 'a.stage', 'a.service', 'a.function', 'a.name', 'a.updated_at', 't.version_id', 't.weight'])
    .where('a.app', '=', app).where('a.stage', '=', stage);
  if (service !== undefined) query = query.where('a.service', '=', service);
  const rows = await query.orderBy('a.service').orderBy('a.function').orderBy('a.name').orderBy('t.position').execute();
  const aliases: AliasRecord[] = [];
  for (const row of rows) {
    let last = aliases.at(-1);
    if (!last || last.service !== row.service || last.function !== row.function || last.name !== row.name) {
      last = { app: row.app, stage: row.stage, service: row.service, function: row.function, name: row.name, targets: [], updatedAt: row.updated_at };
      aliases.push(last);
    }
    if (row.version_id !== null && row.weight !== null) last.targets.push({ versionId: row.version_id, weight: row.weight });
  }
  return aliases;
}

export async function deleteAliases(ctx: StoreContext, app: string, stage: string, service?: string, fn?: string): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    for (const table of ['alias_targets', 'aliases'] as const) {
      let query = tx.db.deleteFrom(table).where('app', '=', app).where('stage', '=', stage);
      if (service !== undefined) query = query.where('service', '=', service);
      if (fn !== undefined) query = query.where('function', '=', fn);
      await query.execute();
    }
  });
}

/**
 * Three reads, no transaction (on SQLite a transaction would take the write lock from the other process).
 * The generation is read first: if a change lands between the reads, the snapshot may be newer than its
 * generation says, and the next bump makes the reader load again, so it converges.
 */
export async function loadRouting(ctx: StoreContext): Promise<RoutingSnapshot> {
  const generation = await getRoutingGeneration(ctx);
  const instances = await ctx.db.selectFrom('service_instances').selectAll()
    .orderBy('app').orderBy('stage').orderBy('service').execute();
  const targets = await ctx.db.selectFrom('alias_targets as t')
    .innerJoin('versions as v', 'v.id', 't.version_id')
    .select(['t.app as route_app', 't.stage as route_stage', 't.service as route_service', 't.function as route_function', 't.weight'])
    .selectAll('v')
    .where('t.alias', '=', 'live')
    .orderBy('t.app').orderBy('t.stage').orderBy('t.service').orderBy('t.function').orderBy('t.position')
    .execute();
  const byService = new Map<string, RoutedService>();
  const services = instances.map(toServiceInstance).map(({ app, stage, service }) => {
    const routed: RoutedService = { app, stage, service, functions: [] };
    byService.set(JSON.stringify([app, stage, service]), routed);
    return routed;
  });
  for (const row of targets) {
    const routed = byService.get(JSON.stringify([row.route_app, row.route_stage, row.route_service]));
    if (!routed) continue; // an alias without a deployed instance is not routed
    let fn = routed.functions.at(-1);
    if (fn?.name !== row.route_function) {
      fn = { name: row.route_function, targets: [] };
      routed.functions.push(fn);
    }
    fn.targets.push({ weight: row.weight, version: toVersion(row) });
  }
  return { generation, services };
}

export async function getRoutingGeneration(ctx: StoreContext): Promise<number> {
  const row = await ctx.db.selectFrom('routing_state').select('generation').where('id', '=', 1).executeTakeFirstOrThrow();
  return row.generation;
}

export async function bumpRoutingGeneration(ctx: StoreContext): Promise<number> {
  const row = await ctx.db.updateTable('routing_state')
    .set((eb) => ({ generation: eb('generation', '+', 1) }))
    .where('id', '=', 1)
    .returning('generation')
    .executeTakeFirstOrThrow();
  return row.generation;
}
