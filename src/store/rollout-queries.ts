// Persisted rollouts: the rollout machine's state as opaque JSON, plus the columns the driver finds it by.
// Two guarantees hold in the database itself, so they hold across control-plane processes: at most one
// active rollout per service (a partial unique index, migration 0002), and no interleaved saves (every save
// is a compare-and-set on the revision, and on the lease token of the process that saves: migration 0004,
// lease-queries.ts).

import type { Selectable } from 'kysely';
import { SluiceError } from '../errors/index.js';
import type { LeaseRef, RolloutRecord, RolloutStatus } from './types.js';
import type { RolloutsTable } from './schema.js';
import { leaseOf } from './lease-queries.js';
import { type StoreContext, affected } from './store-context.js';

export type NewRollout = Omit<RolloutRecord, 'revision' | 'createdAt' | 'updatedAt' | 'lease'>;
/** Creates the rollout already leased to its creator (token 1), so nobody else claims it before its first step. */
export type NewRolloutLease = { holder: string; now: number; ttlMs: number };
export type RolloutUpdate = { status: RolloutStatus; state: Record<string, unknown>; wakeAt: number | null };

/** A few rounds cover an active rollout that finishes between a refused insert and the check that follows. */
const MAX_CREATE_ATTEMPTS = 3;

export function toRollout(row: Selectable<RolloutsTable>): RolloutRecord {
  return {
    id: row.id,
    app: row.app,
    stage: row.stage,
    service: row.service,
    deploymentId: row.deployment_id,
    status: row.status as RolloutStatus,
    state: JSON.parse(row.state) as Record<string, unknown>,
    wakeAt: row.wake_at,
    revision: row.revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...leaseOf(row),
  };
}

/**
 * `on conflict do nothing` rather than catching the unique violation: inside a PostgreSQL transaction a
 * failed statement aborts the whole transaction, and the caller may want to go on after a CONFLICT. Without
 * a conflict target it covers the partial index on both databases (and the primary key, told apart below).
 */
export async function createRollout(ctx: StoreContext, rollout: NewRollout, lease?: NewRolloutLease): Promise<RolloutRecord> {
  for (let attempt = 0; attempt < MAX_CREATE_ATTEMPTS; attempt++) {
    const now = ctx.now();
    const row = {
      id: rollout.id,
      app: rollout.app,
      stage: rollout.stage,
      service: rollout.service,
      deployment_id: rollout.deploymentId,
      status: rollout.status,
      state: JSON.stringify(rollout.state),
      wake_at: rollout.wakeAt,
      revision: 1,
      created_at: now,
      updated_at: now,
      lease_holder: lease?.holder ?? null,
      lease_token: lease ? 1 : 0,
      lease_expires_at: lease ? lease.now + lease.ttlMs : null,
    };
    const result = await ctx.db.insertInto('rollouts').values(row).onConflict((oc) => oc.doNothing()).executeTakeFirst();
    if (affected(result) === 1) return toRollout(row);
    if (await getRollout(ctx, rollout.id)) throw new Error(`Rollout ${rollout.id} already exists; rollout ids must be unique.`);
    const active = await findActiveRollout(ctx, rollout.app, rollout.stage, rollout.service);
    if (active) throw activeRolloutConflict(active);
  }
  throw new SluiceError('CONFLICT', `Could not start a rollout of ${rollout.service} on stage ${rollout.stage}: other rollouts kept starting and finishing meanwhile.`);
}

function activeRolloutConflict(active: RolloutRecord): SluiceError {
  return new SluiceError('CONFLICT', `Service ${active.service} of stage ${active.stage} already has an active rollout (${active.id}, deployment ${active.deploymentId}).`, {
    hint: 'Wait for the active rollout to finish, or promote or abort it, then deploy again.',
  });
}

/**
 * One `update … where id = ? and revision = ? and lease_token = ?`: of two writers holding the same
 * revision, the database lets exactly one through (PostgreSQL re-checks the condition on the row the first
 * writer committed; SQLite writes one at a time). The other gets undefined, reloads and decides again. A
 * save names the lease it is made under, and is refused once another process claimed the rollout (fencing);
 * a save without one is only accepted while nobody holds a lease. A save that ends the rollout releases it.
 */
export async function saveRollout(ctx: StoreContext, id: string, expectedRevision: number, update: RolloutUpdate, lease?: LeaseRef): Promise<RolloutRecord | undefined> {
  try {
    const ended = update.status !== 'active';
    let query = ctx.db.updateTable('rollouts')
      .set((eb) => ({
        status: update.status,
        state: JSON.stringify(update.state),
        wake_at: update.wakeAt,
        revision: eb('revision', '+', 1),
        updated_at: ctx.now(),
        ...(ended ? { lease_holder: null, lease_expires_at: null } : {}),
      }))
      .where('id', '=', id).where('revision', '=', expectedRevision);
    query = lease
      ? query.where('lease_holder', '=', lease.holder).where('lease_token', '=', lease.token)
      : query.where('lease_holder', 'is', null);
    const row = await query
      .returningAll()
      .executeTakeFirst();
    return row && toRollout(row);
  } catch (error) {
    // Only reachable by making a finished rollout active again while its service has another active one.
    // No lookup here to name it: on PostgreSQL the failed statement has aborted the caller's transaction.
    if (!ctx.traits.isUniqueViolation(error)) throw error;
    throw new SluiceError('CONFLICT', `Rollout ${id} cannot become active again: its service has another active rollout.`, { cause: error });
  }
}

export async function getRollout(ctx: StoreContext, id: string): Promise<RolloutRecord | undefined> {
  const row = await ctx.db.selectFrom('rollouts').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toRollout(row);
}

export async function findActiveRollout(ctx: StoreContext, app: string, stage: string, service: string): Promise<RolloutRecord | undefined> {
  const row = await ctx.db.selectFrom('rollouts').selectAll()
    .where('app', '=', app).where('stage', '=', stage).where('service', '=', service).where('status', '=', 'active')
    .executeTakeFirst();
  return row && toRollout(row);
}

/** Oldest first, so a restarting control plane resumes them in the order they started. */
export async function listActiveRollouts(ctx: StoreContext): Promise<RolloutRecord[]> {
  const rows = await ctx.db.selectFrom('rollouts').selectAll().where('status', '=', 'active')
    .orderBy('created_at').orderBy('id').execute();
  return rows.map(toRollout);
}

/** Newest first (ties on createdAt broken by id so the order is stable). Default limit 100. */
export async function listRollouts(ctx: StoreContext, query: { app: string; stage?: string; service?: string; limit?: number }): Promise<RolloutRecord[]> {
  let select = ctx.db.selectFrom('rollouts').selectAll().where('app', '=', query.app);
  if (query.stage !== undefined) select = select.where('stage', '=', query.stage);
  if (query.service !== undefined) select = select.where('service', '=', query.service);
  const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit ?? 100).execute();
  return rows.map(toRollout);
}

export async function deleteRollouts(ctx: StoreContext, app: string, stage: string): Promise<void> {
  await ctx.db.deleteFrom('rollouts').where('app', '=', app).where('stage', '=', stage).execute();
}
