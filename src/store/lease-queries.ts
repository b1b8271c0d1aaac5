// Claim work with a lease: the mechanism by which several control-plane processes share work through the
// database, written once for every leased table (rollouts, and pipeline runs with the same columns).
// A leased row has `status` ('active' while there is work), `wake_at` (when it is due), and the lease:
// `lease_holder`, `lease_token` (the fencing number, +1 on every claim) and `lease_expires_at`.
//
// - claim: a process takes rows that are due and free, or whose holder let the lease expire (a dead
//   process). PostgreSQL: `select … for update skip locked`, so processes claiming at once never wait for
//   or steal each other's rows; SQLite: the same statements in a `begin immediate` transaction (one writer).
// - renew: the holder pushes the expiry forward while it is alive; rows it no longer holds are not renewed.
// - release: a holder hands its work back, due at once, for whichever process claims next.
// - fence: every write of a holder names its token; a process whose lease was taken over is refused.
// Times come from the caller's clock (tests use a fake one); hosts sharing a database keep clocks in sync.

import type { Kysely } from 'kysely';
import type { Lease, RenewedLease } from './lease-types.js';
import { type StoreContext, inTransaction } from './store-context.js';
import { notify } from './pg-notifications.js';

/** Tables with lease columns. */
export type LeasedTable = 'rollouts' | 'pipeline_runs';

export interface LeaseColumns {
  id: string;
  status: string;
  wake_at: number | null;
  lease_holder: string | null;
  lease_token: number;
  lease_expires_at: number | null;
}

/** A lease as its holder names it in every fenced write. */
export interface LeaseRef {
  holder: string;
  token: number;
}

export interface ClaimedRow {
  row: LeaseColumns;
  previousHolder: string | null;
  previousExpiresAt: number | null;
}

/** The lease a row records, to spread into its record: `{ lease }` while one is held, `{}` otherwise. */
export function leaseOf(row: Pick<LeaseColumns, 'lease_holder' | 'lease_token' | 'lease_expires_at'>): { lease?: Lease } {
  return row.lease_holder !== null && row.lease_expires_at !== null ? { lease: { holder: row.lease_holder, token: row.lease_token, expiresAt: row.lease_expires_at } } : {};
}

/**
 * The records of claimed rows, each read after the claim committed: no other process can have saved since
 * (the lease fences it). A row whose record holds no lease any more is left out.
 */
export async function claimedRecords<R extends { lease?: Lease }>(
  claimed: ClaimedRow[],
  read: (id: string) => Promise<R | undefined>,
): Promise<Array<{ record: R; lease: Lease; previousHolder: string | null; previousExpiresAt: number | null }>> {
  const records = [];
  for (const { row, previousHolder, previousExpiresAt } of claimed) {
    const record = await read(row.id);
    if (!record?.lease) continue;
    records.push({ record, lease: record.lease, previousHolder, previousExpiresAt });
  }
  return records;
}

export interface ClaimOptions {
  holder: string;
  now: number;
  ttlMs: number;
  /** Also take rows this holder's earlier incarnation held (a restart with the same holder name). */
  includeOwn?: boolean;
}

/** Kysely typed only by the lease columns, so one query serves every leased table. */
function leased(ctx: StoreContext): Kysely<Record<LeasedTable, LeaseColumns>> {
  return ctx.db as unknown as Kysely<Record<LeasedTable, LeaseColumns>>;
}

/** Claims up to `limit` rows that are due and free, or whose lease expired. */
export function claimDue(ctx: StoreContext, table: LeasedTable, options: ClaimOptions, limit: number): Promise<ClaimedRow[]> {
  return claimWhere(ctx, table, options, limit, undefined);
}

/** Claims one active row if it is free, expired or already this holder's (any wake time): work for an event. */
export async function claimOne(ctx: StoreContext, table: LeasedTable, id: string, options: ClaimOptions): Promise<ClaimedRow | undefined> {
  return (await claimWhere(ctx, table, { ...options, includeOwn: true }, 1, id))[0];
}

async function claimWhere(ctx: StoreContext, table: LeasedTable, options: ClaimOptions, limit: number, id: string | undefined): Promise<ClaimedRow[]> {
  const { holder, now, ttlMs } = options;
  return inTransaction(ctx, async (tx) => {
    const db = leased(tx);
    let candidates = db.selectFrom(table).select(['id', 'lease_holder', 'lease_expires_at'])
      .where('status', '=', 'active')
      .where((eb) => eb.or([
        // Free work is taken when due, unless a specific row is claimed for an event.
        id === undefined ? eb.and([eb('lease_holder', 'is', null), eb('wake_at', '<=', now)]) : eb('lease_holder', 'is', null),
        eb('lease_expires_at', '<=', now),
        ...(options.includeOwn ? [eb('lease_holder', '=', holder)] : []),
      ]));
    if (id !== undefined) candidates = candidates.where('id', '=', id);
    else candidates = candidates.orderBy('wake_at').orderBy('id').limit(limit);
    // Dialect difference: PostgreSQL locks the chosen rows until commit and lets other claimers skip them (an
    // event's claim waits instead: its row is about to be free). SQLite has no row locks and needs none: the
    // transaction holds the only write lock.
    if (tx.traits.name === 'postgres') candidates = id === undefined ? candidates.forUpdate().skipLocked() : candidates.forUpdate();
    const chosen = await candidates.execute();
    if (chosen.length === 0) return [];
    const rows = await db.updateTable(table)
      .set((eb) => ({ lease_holder: holder, lease_token: eb('lease_token', '+', 1), lease_expires_at: now + ttlMs }))
      .where('id', 'in', chosen.map((c) => c.id))
      .returning(['id', 'status', 'wake_at', 'lease_holder', 'lease_token', 'lease_expires_at'])
      .execute();
    const before = new Map(chosen.map((c) => [c.id, c]));
    return rows.map((row) => ({ row, previousHolder: before.get(row.id)?.lease_holder ?? null, previousExpiresAt: before.get(row.id)?.lease_expires_at ?? null }));
  });
}

export interface RenewedRow {
  id: string;
  token: number;
  expiresAt: number;
  wakeAt: number | null;
}

/** Extends the leases the holder still has (same token, still active); the others are not returned. */
export async function renew(ctx: StoreContext, table: LeasedTable, leases: Array<{ id: string; token: number }>, options: ClaimOptions): Promise<RenewedRow[]> {
  if (leases.length === 0) return [];
  const renewed: RenewedRow[] = [];
  for (let i = 0; i < leases.length; i += 200) {
    const batch = leases.slice(i, i + 200);
    const rows = await leased(ctx).updateTable(table)
      .set({ lease_expires_at: options.now + options.ttlMs })
      .where('lease_holder', '=', options.holder).where('status', '=', 'active')
      .where((eb) => eb.or(batch.map((lease) => eb.and([eb('id', '=', lease.id), eb('lease_token', '=', lease.token)]))))
      .returning(['id', 'lease_token', 'lease_expires_at', 'wake_at'])
      .execute();
    for (const row of rows) renewed.push({ id: row.id, token: row.lease_token, expiresAt: row.lease_expires_at ?? options.now + options.ttlMs, wakeAt: row.wake_at });
  }
  return renewed;
}

/** renew, saying for each lease still held whether events wait in its inbox. */
export async function renewWithInbox(ctx: StoreContext, table: LeasedTable, held: Array<{ id: string; token: number }>, options: ClaimOptions): Promise<RenewedLease[]> {
  const renewed = await renew(ctx, table, held, options);
  const waiting = await withInbox(ctx, table, renewed.map((r) => r.id));
  return renewed.map((r) => ({ id: r.id, lease: { holder: options.holder, token: r.token, expiresAt: r.expiresAt }, wakeAt: r.wakeAt, inbox: waiting.has(r.id) }));
}

/** Hands the work back, due at once; false when the lease was no longer this one. Tells the other processes. */
export async function release(ctx: StoreContext, table: LeasedTable, id: string, lease: LeaseRef, now: number): Promise<boolean> {
  const result = await leased(ctx).updateTable(table)
    .set({ lease_holder: null, lease_expires_at: null, wake_at: now })
    .where('id', '=', id).where('lease_holder', '=', lease.holder).where('lease_token', '=', lease.token)
    .executeTakeFirst();
  const released = Number(result.numUpdatedRows) === 1;
  if (released) await notify(ctx, 'work', table);
  return released;
}

/**
 * Whether the lease is still the row's current one. Inside a transaction on PostgreSQL it also locks the row
 * until commit, so no takeover lands between this check and the transaction's other writes (the fence of
 * writes outside the row itself, e.g. a rollout's alias weights).
 */
export async function holds(ctx: StoreContext, table: LeasedTable, id: string, lease: LeaseRef): Promise<boolean> {
  let query = leased(ctx).selectFrom(table).select('id')
    .where('id', '=', id).where('lease_holder', '=', lease.holder).where('lease_token', '=', lease.token);
  if (ctx.traits.name === 'postgres' && ctx.db.isTransaction) query = query.forUpdate();
  return (await query.executeTakeFirst()) !== undefined;
}

export interface InboxEntry {
  id: number;
  payload: Record<string, unknown>;
}

/** Leaves an event for the holder of a leased row and tells it (PostgreSQL NOTIFY); returns the entry id. */
export async function postToInbox(ctx: StoreContext, table: LeasedTable, workId: string, payload: Record<string, unknown>): Promise<number> {
  const row = await ctx.db.insertInto('lease_inbox')
    .values({ work: table, work_id: workId, payload: JSON.stringify(payload), created_at: ctx.now() })
    .returning('id').executeTakeFirstOrThrow();
  await notify(ctx, 'work', table);
  return row.id;
}

/** The row's waiting events, oldest first. */
export async function readInbox(ctx: StoreContext, table: LeasedTable, workId: string): Promise<InboxEntry[]> {
  const rows = await ctx.db.selectFrom('lease_inbox').select(['id', 'payload'])
    .where('work', '=', table).where('work_id', '=', workId).orderBy('id').execute();
  return rows.map((row) => ({ id: row.id, payload: JSON.parse(row.payload) as Record<string, unknown> }));
}

/** Which of these rows have events waiting. */
export async function withInbox(ctx: StoreContext, table: LeasedTable, workIds: string[]): Promise<Set<string>> {
  if (workIds.length === 0) return new Set();
  const found = new Set<string>();
  for (let i = 0; i < workIds.length; i += 500) {
    const rows = await ctx.db.selectFrom('lease_inbox').select('work_id').distinct()
      .where('work', '=', table).where('work_id', 'in', workIds.slice(i, i + 500)).execute();
    for (const row of rows) found.add(row.work_id);
  }
  return found;
}

/** Deletes an entry once applied (in the holder's saving transaction); false when it was gone already. */
export async function consumeInboxEntry(ctx: StoreContext, entryId: number): Promise<boolean> {
  const result = await ctx.db.deleteFrom('lease_inbox').where('id', '=', entryId).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

export async function inboxEntryPending(ctx: StoreContext, entryId: number): Promise<boolean> {
  return (await ctx.db.selectFrom('lease_inbox').select('id').where('id', '=', entryId).executeTakeFirst()) !== undefined;
}
