// Pipeline runs and their log lines. Runs are leased work like rollouts (lease-queries.ts): `status` is the
// lease mechanism's column ('active' while the run is unfinished, 'done' once it finished) and `run_status`
// the RunStatus people see. Every save is a compare-and-set on the revision (and on the lease token of the
// process saving), so two processes never interleave their writes to one run. Numbers (#12) and log
// sequence numbers are assigned here, safely when several processes write at once.

import type { Selectable } from 'kysely';
import { sql } from 'kysely';
import { SluiceError } from '../errors/index.js';
import * as leases from './lease-queries.js';
import { isFinishedRunStatus } from './pipeline-types.js';
import type { NewRun, PipelineRunRecord, RunClaim, RunKind, RunLogLine, RunQuery, RunStatus, RunUpdate } from './pipeline-types.js';
import type { PipelineRunsTable } from './schema.js';
import { type StoreContext, affected, chunks, inTransaction } from './store-context.js';
import type { InboxEntry, LeaseRef, RenewedLease } from './types.js';

const TABLE = 'pipeline_runs';

/** Each retry means another creator got its number: enough for any realistic burst of runs of one app. */
const MAX_NUMBERING_ATTEMPTS = 50;

/** Key space of the advisory locks that order log appends per run (PostgreSQL); any constant of our own. */
const RUN_LOG_LOCK = 7_356_105;

function toRun(row: Selectable<PipelineRunsTable>): PipelineRunRecord {
  return {
    id: row.id,
    number: row.number,
    app: row.app,
    repoId: row.repo_id,
    kind: row.kind as RunKind,
    branch: row.branch,
    sha: row.sha,
    pr: row.pr,
    stage: row.stage,
    fork: row.fork === 1,
    status: row.run_status as RunStatus,
    trigger: JSON.parse(row.trigger) as Record<string, unknown>,
    state: JSON.parse(row.state) as Record<string, unknown>,
    reason: row.reason,
    wakeAt: row.wake_at,
    revision: row.revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
    ...leases.leaseOf(row),
  };
}

/**
 * max(number) + 1 of the app, inserted with `on conflict do nothing`: on SQLite the transaction holds the
 * only write lock, so the first attempt succeeds; on PostgreSQL a concurrent creator may take the number
 * first (the unique constraint pipeline_runs_number_uq refuses the second), and the next attempt reads the
 * new maximum (read committed: each statement sees what committed before it). No exception is caught: a
 * failed statement would abort the caller's PostgreSQL transaction.
 */
export async function createRun(ctx: StoreContext, run: NewRun, now: number): Promise<PipelineRunRecord> {
  return inTransaction(ctx, async (tx) => {
    for (let attempt = 0; attempt < MAX_NUMBERING_ATTEMPTS; attempt++) {
      const last = await tx.db.selectFrom(TABLE).select((eb) => eb.fn.max('number').as('number')).where('app', '=', run.app).executeTakeFirst();
      const status = run.status ?? 'queued';
      const finished = isFinishedRunStatus(status);
      const row: Selectable<PipelineRunsTable> = {
        id: run.id,
        number: (last?.number ?? 0) + 1,
        app: run.app,
        repo_id: run.repoId,
        kind: run.kind,
        branch: run.branch,
        sha: run.sha,
        pr: run.pr,
        stage: run.stage,
        fork: run.fork ? 1 : 0,
        status: finished ? 'done' : 'active',
        run_status: status,
        trigger: JSON.stringify(run.trigger),
        state: JSON.stringify(run.state),
        reason: null,
        wake_at: finished ? null : run.wakeAt === undefined ? now : run.wakeAt,
        revision: 1,
        created_at: now,
        updated_at: now,
        finished_at: finished ? now : null,
        lease_holder: null,
        lease_token: 0,
        lease_expires_at: null,
      };
      const result = await tx.db.insertInto(TABLE).values(row).onConflict((oc) => oc.doNothing()).executeTakeFirst();
      if (affected(result) === 1) return toRun(row);
      if (await getRun(tx, run.id)) throw new Error(`Run ${run.id} already exists; run ids must be unique.`);
    }
    throw new SluiceError('STORE_ERROR', `Could not number run ${run.id} of app ${run.app}: too many runs were created at the same time.`, {
      hint: 'Trigger the run again; if it keeps failing, check that only Sluice writes to the database.',
    });
  });
}

export async function getRun(ctx: StoreContext, id: string): Promise<PipelineRunRecord | undefined> {
  const row = await ctx.db.selectFrom(TABLE).selectAll().where('id', '=', id).executeTakeFirst();
  return row && toRun(row);
}

function selectRuns(ctx: StoreContext, query: RunQuery) {
  let select = ctx.db.selectFrom(TABLE);
  if (query.app !== undefined) select = select.where('app', '=', query.app);
  if (query.repoId !== undefined) select = select.where('repo_id', '=', query.repoId);
  if (query.branch !== undefined) select = select.where('branch', '=', query.branch);
  if (query.statuses !== undefined && query.statuses.length > 0) select = select.where('run_status', 'in', query.statuses);
  return select;
}

/** Newest first (created_at, then number, both descending); default limit 100. No statuses given: none match. */
export async function listRuns(ctx: StoreContext, query: RunQuery): Promise<PipelineRunRecord[]> {
  if (query.statuses?.length === 0) return [];
  const rows = await selectRuns(ctx, query).selectAll()
    .orderBy('created_at', 'desc').orderBy('number', 'desc').orderBy('id', 'desc')
    .limit(query.limit ?? 100).execute();
  return rows.map(toRun);
}

/** How many runs match the filters (limit is ignored). */
export async function countRuns(ctx: StoreContext, query: RunQuery): Promise<number> {
  if (query.statuses?.length === 0) return 0;
  const row = await selectRuns(ctx, query).select((eb) => eb.fn.countAll().as('count')).executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * One `update … where id = ? and revision = ? and lease_token = ?`, like saveRollout: of two writers holding
 * the same revision exactly one gets through. With a lease the save is refused once another process claimed
 * the run (fencing); without one it is accepted only while nobody holds a lease. A finished status ends the
 * leased work: status 'done', no wake, no holder (lease_token stays, so tokens keep growing), finishedAt set
 * (kept from the first finish when a finished run is saved again). `reason` is left as stored when not given.
 */
export async function saveRun(ctx: StoreContext, id: string, expectedRevision: number, update: RunUpdate, now: number, lease?: LeaseRef): Promise<PipelineRunRecord | undefined> {
  const finished = isFinishedRunStatus(update.status);
  let query = ctx.db.updateTable(TABLE)
    .set((eb) => ({
      status: finished ? 'done' : 'active',
      run_status: update.status,
      state: JSON.stringify(update.state),
      wake_at: finished ? null : update.wakeAt,
      revision: eb('revision', '+', 1),
      updated_at: now,
      finished_at: finished ? eb.fn.coalesce('finished_at', eb.val(now)) : null,
      ...(update.reason !== undefined ? { reason: update.reason } : {}),
      ...(finished ? { lease_holder: null, lease_expires_at: null } : {}),
    }))
    .where('id', '=', id).where('revision', '=', expectedRevision);
  query = lease
    ? query.where('lease_holder', '=', lease.holder).where('lease_token', '=', lease.token)
    : query.where('lease_holder', 'is', null);
  const row = await query.returningAll().executeTakeFirst();
  return row && toRun(row);
}

// The runs' side of the lease mechanism, as rollout-lease-queries.ts is the rollouts'.

export async function claimDueRuns(ctx: StoreContext, holder: string, now: number, ttlMs: number, limit: number, options: { includeOwn?: boolean } = {}): Promise<RunClaim[]> {
  const claimed = await leases.claimDue(ctx, TABLE, { holder, now, ttlMs, includeOwn: options.includeOwn }, limit);
  return withRecords(ctx, claimed);
}

export async function claimRun(ctx: StoreContext, id: string, holder: string, now: number, ttlMs: number): Promise<RunClaim | undefined> {
  const claimed = await leases.claimOne(ctx, TABLE, id, { holder, now, ttlMs });
  return claimed ? (await withRecords(ctx, [claimed]))[0] : undefined;
}

async function withRecords(ctx: StoreContext, claimed: leases.ClaimedRow[]): Promise<RunClaim[]> {
  return (await leases.claimedRecords(claimed, (id) => getRun(ctx, id))).map(({ record, ...claim }) => ({ run: record, ...claim }));
}

export function renewRunLeases(ctx: StoreContext, holder: string, held: Array<{ id: string; token: number }>, now: number, ttlMs: number): Promise<RenewedLease[]> {
  return leases.renewWithInbox(ctx, TABLE, held, { holder, now, ttlMs });
}

export function releaseRunLease(ctx: StoreContext, id: string, lease: LeaseRef, now: number): Promise<boolean> {
  return leases.release(ctx, TABLE, id, lease, now);
}

export function holdsRunLease(ctx: StoreContext, id: string, lease: LeaseRef): Promise<boolean> {
  return leases.holds(ctx, TABLE, id, lease);
}

/**
 * Leaves the event in the run's inbox and notifies (as postRolloutEvent does). Unlike a rollout, whose
 * events are applied by the process that receives them (it claims the rollout, or forwards to the holder),
 * a run's event may come from a process that does not drive runs (an approval through the API): a run that
 * nobody holds and that waits for nothing timed (wake_at null, e.g. awaiting approval) would never be due.
 * So an unheld run is made due now, and the next claim pass of any process (woken by the notification on
 * PostgreSQL, by its polling on SQLite) takes it and reads the inbox. A held run is left alone: its holder
 * sees the inbox when it renews. An expired lease needs nothing: claimDue takes it over anyway.
 */
export function postRunEvent(ctx: StoreContext, id: string, event: Record<string, unknown>, now = ctx.now()): Promise<number> {
  return inTransaction(ctx, async (tx) => {
    const entry = await leases.postToInbox(tx, TABLE, id, event);
    await tx.db.updateTable(TABLE).set({ wake_at: now })
      .where('id', '=', id).where('status', '=', 'active').where('lease_holder', 'is', null)
      .where((eb) => eb.or([eb('wake_at', 'is', null), eb('wake_at', '>', now)]))
      .execute();
    return entry;
  });
}

export function listRunInbox(ctx: StoreContext, id: string): Promise<InboxEntry[]> {
  return leases.readInbox(ctx, TABLE, id);
}

/**
 * Lines get seq max+1, max+2, … of their run, in the order given, in one transaction. On PostgreSQL two
 * processes appending to one run would read the same max: a transaction-scoped advisory lock per run
 * serializes them (on SQLite the transaction's write lock does). An advisory lock rather than a row lock on
 * pipeline_runs, so log lines never wait for, or hold up, claims and fenced saves of the run itself; runs
 * are locked in id order, so two appends spanning the same runs cannot deadlock.
 */
export async function appendRunLogs(ctx: StoreContext, lines: Array<Omit<RunLogLine, 'seq'>>): Promise<void> {
  if (lines.length === 0) return;
  const byRun = new Map<string, Array<Omit<RunLogLine, 'seq'>>>();
  for (const line of lines) {
    const group = byRun.get(line.runId);
    if (group) group.push(line);
    else byRun.set(line.runId, [line]);
  }
  await inTransaction(ctx, async (tx) => {
    for (const runId of [...byRun.keys()].sort()) {
      if (tx.traits.name === 'postgres') await sql`select pg_advisory_xact_lock(${RUN_LOG_LOCK}, hashtext(${runId}))`.execute(tx.db);
      const last = await tx.db.selectFrom('run_logs').select((eb) => eb.fn.max('seq').as('seq')).where('run_id', '=', runId).executeTakeFirst();
      let seq = last?.seq ?? 0;
      const rows = (byRun.get(runId) ?? []).map((line) => ({ run_id: runId, seq: ++seq, step: line.step, stream: line.stream, line: line.line, ts: line.ts }));
      for (const batch of chunks(rows, 500)) await tx.db.insertInto('run_logs').values(batch).execute();
    }
  });
}

/** Lines of the run after `afterSeq` (default: from the first), ascending by seq; default limit 1000. */
export async function listRunLogs(ctx: StoreContext, runId: string, options: { afterSeq?: number; limit?: number } = {}): Promise<RunLogLine[]> {
  const rows = await ctx.db.selectFrom('run_logs').select(['run_id', 'seq', 'step', 'stream', 'line', 'ts'])
    .where('run_id', '=', runId).where('seq', '>', options.afterSeq ?? 0)
    .orderBy('seq').limit(options.limit ?? 1000).execute();
  return rows.map((row) => ({ runId: row.run_id, seq: row.seq, step: row.step, stream: row.stream as RunLogLine['stream'], line: row.line, ts: row.ts }));
}
