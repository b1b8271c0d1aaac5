// The rollouts' use of the lease loop (lease-loop.ts): the store operations on rollouts, the error a fenced
// write raises, and the audit entry of a takeover.

import type { RolloutClaim, Store } from '../store/index.js';
import { recordEvent } from './event-bus.js';
import { LeaseLoop, type LeaseLoopOptions, type LeasedWorkStore, type LeaseWork } from './lease-loop.js';
import type { EngineContext } from './ports.js';

export type { LeaseWork } from './lease-loop.js';

/** A write of this process was refused because another process holds the rollout's lease now. */
export class LeaseLostError extends Error {
  constructor(readonly rolloutId: string, readonly token: number) {
    super(`The lease on rollout ${rolloutId} (token ${token}) was taken over by another process.`);
    this.name = 'LeaseLostError';
  }
}

/** The lease loop over rollouts. */
export class RolloutLeases extends LeaseLoop<RolloutClaim> {
  constructor(options: Omit<LeaseLoopOptions<RolloutClaim>, 'store'> & { store: Store }, work: LeaseWork<RolloutClaim>) {
    super({ ...options, store: rolloutWork(options.store) }, work);
  }
}

function rolloutWork(store: Store): LeasedWorkStore<RolloutClaim> {
  return {
    idOf: (claim) => claim.rollout.id,
    claimDue: (holder, now, ttlMs, limit, options) => store.claimDueRollouts(holder, now, ttlMs, limit, options),
    claimOne: (id, holder, now, ttlMs) => store.claimRollout(id, holder, now, ttlMs),
    renew: (holder, leases, now, ttlMs) => store.renewRolloutLeases(holder, leases, now, ttlMs),
    release: (id, lease, now) => store.releaseRolloutLease(id, lease, now),
  };
}

/** The `lease.takeover` entry: which process took which rollout from which, and when the old lease expired. */
export async function recordTakeover(ctx: Pick<EngineContext, 'store' | 'events' | 'log'>, claim: RolloutClaim): Promise<void> {
  const { rollout } = claim;
  await recordEvent(ctx.store, ctx.events, {
    type: 'lease.takeover',
    actor: 'sluice',
    app: rollout.app,
    stage: rollout.stage,
    service: rollout.service,
    payload: { rolloutId: rollout.id, previousHolder: claim.previousHolder, expiredAt: claim.previousExpiresAt, holder: claim.lease.holder, token: claim.lease.token },
  }).catch((error: unknown) => ctx.log?.warn({ err: error, rolloutId: rollout.id }, 'recording a lease takeover failed'));
}
