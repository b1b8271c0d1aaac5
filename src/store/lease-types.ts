// The store port's part for several control-plane processes: claim work with a lease (rollouts and
// pipeline runs), fence the writes of a holder that lost its lease, forward events to the holder
// through an inbox, claim scheduled runs, and hear about changes (PostgreSQL LISTEN/NOTIFY).
// How it works: lease-queries.ts. Store (types.ts) extends WorkLeases.

import type { RolloutRecord } from './record-types.js';

/** A process's right to work on a row (a rollout) until `expiresAt`, unless it renews it. */
export interface Lease {
  /** The process holding it, e.g. `host:/path/to/home`. */
  holder: string;
  /** Fencing token: grows with every claim; a write naming an older one is refused. */
  token: number;
  expiresAt: number;
}

/** What a holder names in its fenced writes. */
export type LeaseRef = Pick<Lease, 'holder' | 'token'>;

export interface RolloutClaim {
  /** The rollout as it stands after the claim (its `lease` is the new one). */
  rollout: RolloutRecord;
  lease: Lease;
  /** Who held it before: null when it was free; another holder means a takeover of an expired lease. */
  previousHolder: string | null;
  previousExpiresAt: number | null;
}

export interface RenewedLease {
  id: string;
  lease: Lease;
  wakeAt: number | null;
  /** Events wait in the inbox for the holder. */
  inbox: boolean;
}

export interface InboxEntry {
  id: number;
  payload: Record<string, unknown>;
}

/** One run of a schedule, claimed by the gateway that invokes it. */
export interface ScheduleTickClaim {
  app: string;
  stage: string;
  service: string;
  function: string;
  /** The schedule's identity within the function: its expression and input. */
  schedule: string;
  /** The time the run was due (epoch ms); the same on every gateway. */
  scheduledAt: number;
  holder: string;
}

/** `routing`: aliases or instances changed. `work`: leased work was released or got inbox events. */
export type NotificationChannel = 'routing' | 'work';

export interface WorkLeases {
  /**
   * Claims up to `limit` active rollouts that are due (wake_at ≤ now) with no holder, or whose lease expired
   * (a dead process): PostgreSQL skips rows another process is claiming (`for update skip locked`). With
   * `includeOwn`, also those this holder held before (a restart). Each claim increases the token.
   */
  claimDueRollouts(holder: string, now: number, ttlMs: number, limit: number, options?: { includeOwn?: boolean }): Promise<RolloutClaim[]>;
  /** Claims one active rollout, due or not, if it has no holder, an expired one, or this one; else undefined. */
  claimRollout(id: string, holder: string, now: number, ttlMs: number): Promise<RolloutClaim | undefined>;
  /** Extends the holder's leases that are still its own (same token); returns those, with inbox flags. */
  renewRolloutLeases(holder: string, leases: Array<{ id: string; token: number }>, now: number, ttlMs: number): Promise<RenewedLease[]>;
  /** Gives the rollout back, due at once for the next claimer; false when the lease was not this one any more. */
  releaseRolloutLease(id: string, lease: LeaseRef, now: number): Promise<boolean>;
  /**
   * Whether the lease is still the rollout's. Inside a transaction on PostgreSQL the row stays locked until
   * commit, so the transaction's other writes (alias weights) cannot interleave with a takeover.
   */
  holdsRolloutLease(id: string, lease: LeaseRef): Promise<boolean>;
  /** Leaves an event for the process holding the rollout; returns the inbox entry id. */
  postRolloutEvent(id: string, event: Record<string, unknown>): Promise<number>;
  /** Events waiting for a rollout, oldest first. */
  listRolloutInbox(id: string): Promise<InboxEntry[]>;
  /** Deletes an applied entry (in the transaction that saves its effect); false when already gone. */
  consumeInboxEntry(entryId: number): Promise<boolean>;
  isInboxEntryPending(entryId: number): Promise<boolean>;
  /** Claims one run of a schedule; true for exactly one caller per run. */
  claimScheduleTick(tick: ScheduleTickClaim): Promise<boolean>;
  /**
   * Calls `listener` when another process (or this one) changed what the channel names; PostgreSQL only
   * (SQLite: never). A hint to re-read, not a guarantee: keep polling as the fallback. Returns the unsubscribe.
   */
  onNotification(channel: NotificationChannel, listener: () => void): Promise<() => Promise<void>>;
}
