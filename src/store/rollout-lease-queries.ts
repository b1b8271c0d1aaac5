// The rollouts' side of the lease mechanism (lease-queries.ts): claims come back as whole rollout records,
// renewals say which leased rollouts have events waiting in the inbox.

import * as leases from './lease-queries.js';
import type { InboxEntry, LeaseRef, RenewedLease, RolloutClaim } from './types.js';
import { getRollout } from './rollout-queries.js';
import type { StoreContext } from './store-context.js';

const TABLE = 'rollouts';

export async function claimDueRollouts(ctx: StoreContext, holder: string, now: number, ttlMs: number, limit: number, options: { includeOwn?: boolean } = {}): Promise<RolloutClaim[]> {
  const claimed = await leases.claimDue(ctx, TABLE, { holder, now, ttlMs, includeOwn: options.includeOwn }, limit);
  return withRecords(ctx, claimed);
}

export async function claimRollout(ctx: StoreContext, id: string, holder: string, now: number, ttlMs: number): Promise<RolloutClaim | undefined> {
  const claimed = await leases.claimOne(ctx, TABLE, id, { holder, now, ttlMs });
  return claimed ? (await withRecords(ctx, [claimed]))[0] : undefined;
}

async function withRecords(ctx: StoreContext, claimed: leases.ClaimedRow[]): Promise<RolloutClaim[]> {
  return (await leases.claimedRecords(claimed, (id) => getRollout(ctx, id))).map(({ record, ...claim }) => ({ rollout: record, ...claim }));
}

export function renewRolloutLeases(ctx: StoreContext, holder: string, held: Array<{ id: string; token: number }>, now: number, ttlMs: number): Promise<RenewedLease[]> {
  return leases.renewWithInbox(ctx, TABLE, held, { holder, now, ttlMs });
}

export function releaseRolloutLease(ctx: StoreContext, id: string, lease: LeaseRef, now: number): Promise<boolean> {
  return leases.release(ctx, TABLE, id, lease, now);
}

export function holdsRolloutLease(ctx: StoreContext, id: string, lease: LeaseRef): Promise<boolean> {
  return leases.holds(ctx, TABLE, id, lease);
}

export function postRolloutEvent(ctx: StoreContext, id: string, event: Record<string, unknown>): Promise<number> {
  return leases.postToInbox(ctx, TABLE, id, event);
}

export function listRolloutInbox(ctx: StoreContext, id: string): Promise<InboxEntry[]> {
  return leases.readInbox(ctx, TABLE, id);
}
