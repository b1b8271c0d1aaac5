// Aliases (`live`, `commit-<sha7>`, …) with weighted targets and routing rules, and the routing snapshot the
// gateway serves from: every service instance with the versions its live and commit aliases point at.

import { SluiceError } from '../errors/index.js';
import { COMMIT_ALIAS_PREFIX, type AliasRecord, type AliasRules, type RoutedFunction, type RoutedService, type RoutingSnapshot, type VersionRecord } from './types.js';
import { type StoreContext, inTransaction } from './store-context.js';
import { notify } from './pg-notifications.js';
import { toServiceInstance } from './stage-queries.js';
import { toVersion } from './version-queries.js';

export type AliasInput = Omit<AliasRecord, 'updatedAt' | 'rules'> & { rules?: AliasRules };

export async function setAlias(ctx: StoreContext, alias: AliasInput): Promise<void> {
  const rules = alias.rules ?? {};
  assertMatchedVersionsAreTargets(alias, rules);
  const key = { app: alias.app, stage: alias.stage, service: alias.service, function: alias.function };
  try {
    await inTransaction(ctx, async (tx) => {
      const now = tx.now();
      const values = { updated_at: now, rules: JSON.stringify(rules) };
      await tx.db.insertInto('aliases').values({ ...key, name: alias.name, ...values })
        .onConflict((oc) => oc.columns(['app', 'stage', 'service', 'function', 'name']).doUpdateSet(values))
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

// A version named only by a match rule would have no alias_targets row: nothing would keep it from
// deleteUnreferencedVersions, and the gateway would find no record for it. The engine adds such versions as
// weight-0 targets; a caller that forgets has a bug, so this is a plain Error rather than a user-facing one.
function assertMatchedVersionsAreTargets(alias: AliasInput, rules: AliasRules): void {
  const targets = new Set(alias.targets.map((t) => t.versionId));
  const missing = (rules.match ?? []).map((rule) => rule.versionId).filter((id) => !targets.has(id));
  if (missing.length === 0) return;
  throw new Error(`Alias ${alias.name} of ${alias.service}.${alias.function} has match rules naming ${[...new Set(missing)].join(', ')}, `
    + 'which are not among its targets; add them as targets with weight 0.');
}

function parseRules(json: string): AliasRules {
  return JSON.parse(json) as AliasRules;
}

export async function listAliases(ctx: StoreContext, app: string, stage: string, service?: string): Promise<AliasRecord[]> {
  let query = ctx.db.selectFrom('aliases as a')
    .leftJoin('alias_targets as t', (join) => join
      .onRef('t.app', '=', 'a.app').onRef('t.stage', '=', 'a.stage').onRef('t.service', '=', 'a.service')
      .onRef('t.function', '=', 'a.function').onRef('t.alias', '=', 'a.name'))
    .select(['a.app', 'a.stage', 'a.service', 'a.function', 'a.name', 'a.rules', 'a.updated_at', 't.version_id', 't.weight'])
    .where('a.app', '=', app).where('a.stage', '=', stage);
  if (service !== undefined) query = query.where('a.service', '=', service);
  const rows = await query.orderBy('a.service').orderBy('a.function').orderBy('a.name').orderBy('t.position').execute();
  const aliases: AliasRecord[] = [];
  for (const row of rows) {
    let last = aliases.at(-1);
    if (!last || last.service !== row.service || last.function !== row.function || last.name !== row.name) {
      last = {
        app: row.app, stage: row.stage, service: row.service, function: row.function, name: row.name,
        targets: [], rules: parseRules(row.rules), updatedAt: row.updated_at,
      };
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
 * generation says, and the next bump makes the reader load again, so it converges. Targets and rules come
 * from one statement, so the versions a match rule names are always among the targets read with it.
 * Weight-0 targets are kept: match rules route to them. Commit aliases come with the live ones (a stage
 * without any adds no `commits` key), and a version several aliases name is parsed once and shared.
 */
export async function loadRouting(ctx: StoreContext): Promise<RoutingSnapshot> {
  const generation = await getRoutingGeneration(ctx);
  const instances = await ctx.db.selectFrom('service_instances as s')
    .leftJoin('previews as p', (join) => join.onRef('p.app', '=', 's.app').onRef('p.stage', '=', 's.stage'))
    .selectAll('s')
    .select('p.protected as preview_protected')
    .orderBy('s.app').orderBy('s.stage').orderBy('s.service').execute();
  const targets = await ctx.db.selectFrom('alias_targets as t')
    .innerJoin('aliases as a', (join) => join
      .onRef('a.app', '=', 't.app').onRef('a.stage', '=', 't.stage').onRef('a.service', '=', 't.service')
      .onRef('a.function', '=', 't.function').onRef('a.name', '=', 't.alias'))
    .innerJoin('versions as v', 'v.id', 't.version_id')
    .select(['t.app as route_app', 't.stage as route_stage', 't.service as route_service', 't.function as route_function', 't.alias as route_alias', 't.weight', 'a.rules as route_rules'])
    .selectAll('v')
    .where((eb) => eb.or([eb('t.alias', '=', 'live'), eb('t.alias', 'like', `${COMMIT_ALIAS_PREFIX}%`)]))
    .orderBy('t.app').orderBy('t.stage').orderBy('t.service').orderBy('t.function').orderBy('t.alias').orderBy('t.position')
    .execute();
  const byService = new Map<string, RoutedService>();
  const services = instances.map((row) => {
    const { app, stage, service } = toServiceInstance(row);
    const routed: RoutedService = { app, stage, service, functions: [], protected: row.preview_protected === 1 };
    byService.set(JSON.stringify([app, stage, service]), routed);
    return routed;
  });
  const versions = new Map<string, VersionRecord>();
  for (const row of targets) {
    const routed = byService.get(JSON.stringify([row.route_app, row.route_stage, row.route_service]));
    if (!routed) continue; // an alias without a deployed instance is not routed
    let functions = routed.functions;
    if (row.route_alias !== 'live') {
      routed.commits ??= {};
      functions = routed.commits[row.route_alias.slice(COMMIT_ALIAS_PREFIX.length)] ??= [];
    }
    // Rows come ordered by function, then alias: one function's rows of one alias are consecutive.
    let fn: RoutedFunction | undefined = functions.at(-1);
    if (fn?.name !== row.route_function) {
      fn = { name: row.route_function, targets: [], rules: parseRules(row.route_rules) };
      functions.push(fn);
    }
    let version = versions.get(row.id);
    if (version === undefined) versions.set(row.id, (version = toVersion(row)));
    fn.targets.push({ weight: row.weight, version });
  }
  return { generation, services };
}

export async function getRoutingGeneration(ctx: StoreContext): Promise<number> {
  const row = await ctx.db.selectFrom('routing_state').select('generation').where('id', '=', 1).executeTakeFirstOrThrow();
  return row.generation;
}

/** Every gateway hears of the change (PostgreSQL NOTIFY, sent at commit when inside a transaction). */
export async function bumpRoutingGeneration(ctx: StoreContext): Promise<number> {
  const row = await ctx.db.updateTable('routing_state')
    .set((eb) => ({ generation: eb('generation', '+', 1) }))
    .where('id', '=', 1)
    .returning('generation')
    .executeTakeFirstOrThrow();
  await notify(ctx, 'routing', String(row.generation));
  return row.generation;
}
