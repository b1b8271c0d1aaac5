// One transition of a rollout made durable at once: the new state (a compare-and-set on the revision and on
// the lease token of the process making it), the inbox entry it applied, and its audit entries
// (`rollout.step`, `rollout.rollback`, …), in one transaction. So a transition and its entries exist together
// or not at all, and exactly once, whichever process makes it and whatever dies in between; a process that
// lost its lease has its transaction refused whole. The effects (weights, hooks) follow the commit, and a
// process that takes the rollout over re-asserts them with a tick. Events for a rollout another process
// holds go through the store's inbox (forwardToHolder) and are applied, and deleted, in such a transaction.

import type { EventRecord, LeaseRef, NewEvent, RolloutRecord, Store } from '../store/index.js';
import { deploymentCommit } from './audit-trail.js';
import type { Clock } from './clock.js';
import type { RolloutEvent, RolloutNotice, RolloutState } from './rollout/types.js';

/** How often a process that forwarded an event looks whether the holder applied it. */
const FORWARD_POLL_MS = 50;

export interface TransitionToCommit {
  record: RolloutRecord;
  state: RolloutState;
  wakeAt: number | null;
  /** The transition's notices that go on the timeline (not the debug ones). */
  notices: RolloutNotice[];
  actor: string;
  lease: LeaseRef;
  /** The inbox entry whose event this transition applies. */
  inboxEntry?: number;
}

export interface CommittedTransition {
  saved: RolloutRecord;
  /** The audit entries, in the order of the notices. */
  recorded: EventRecord[];
}

/** Undefined when the save was refused: another process holds the lease now, or saved first. */
export async function commitTransition(store: Store, transition: TransitionToCommit): Promise<CommittedTransition | undefined> {
  const { record, state, lease } = transition;
  const commitSha = transition.notices.length > 0 ? await deploymentCommit(store, state.deploymentId) : null;
  return store.transaction(async (tx) => {
    // A finishing rollout stays `active` until its last effects (final weight or rollback, finish) are done,
    // so a crash in between leaves it for the next holder to tick again; the machine repeats them idempotently.
    const saved = await tx.saveRollout(record.id, record.revision, { status: 'active', state: state as unknown as Record<string, unknown>, wakeAt: transition.wakeAt }, lease);
    if (!saved) return undefined;
    if (transition.inboxEntry !== undefined) await tx.consumeInboxEntry(transition.inboxEntry);
    const recorded: EventRecord[] = [];
    for (const notice of transition.notices) recorded.push(await tx.appendEvent(noticeEvent(state, notice, transition.actor, commitSha, lease.holder)));
    return { saved, recorded };
  });
}

export function noticeEvent(state: RolloutState, notice: RolloutNotice, actor: string, commitSha: string | null, holder: string): NewEvent {
  return {
    type: `rollout.${notice.kind}`,
    actor,
    app: state.app,
    stage: state.stage,
    service: state.service,
    commitSha,
    // `holder`: which control-plane process made the transition.
    payload: { rolloutId: state.id, deploymentId: state.deploymentId, ...notice, holder },
  };
}

/**
 * Leaves an event in the inbox of an active rollout for the process holding it (PostgreSQL notifies that
 * one at once). Waits up to `waitMs` for it to be applied, or for the rollout to end; after that it stays
 * queued for whichever process holds the rollout next.
 */
export async function forwardToHolder(store: Store, clock: Clock, id: string, event: RolloutEvent, options: { waitMs: number; stopped(): boolean }): Promise<void> {
  const record = await store.getRollout(id);
  if (!record || record.status !== 'active') return;
  const entry = await store.postRolloutEvent(id, event as unknown as Record<string, unknown>);
  const deadline = clock.now() + options.waitMs;
  while (clock.now() < deadline && !options.stopped()) {
    await new Promise<void>((resolve) => clock.at(clock.now() + FORWARD_POLL_MS, resolve));
    if (!(await store.isInboxEntryPending(entry))) return;
    if ((await store.getRollout(id))?.status !== 'active') return;
  }
}
