// The thin, impure half of rollouts: load a rollout, step the pure machine, persist the new state with its
// audit entries (compare-and-set on its revision and lease token, so every transition is durable, and made
// once, before its effect), then perform the actions through ports: alias weights (fenced by the lease),
// hook invocations, metric reads, wake-ups, notifications.
//
// Several control-plane processes share the rollouts through leases (rollout-claims.ts): this process
// steps a rollout only while it holds its lease. It holds the rollouts it starts and those its claim loop
// picks up (due and free, or orphaned by a dead process), reconciling each of the latter with a tick first.
// An event for a rollout held by another live process (a manual command or a hook result that reached the
// wrong process) is forwarded through the database: it waits in the store's inbox until the holder applies
// it, in the transaction that saves its effect, so it takes effect exactly once. resume() starts the loop;
// its first pass also takes back what this holder held before a restart.

import { randomUUID } from 'node:crypto';
import { SluiceError } from '../errors/index.js';
import type { LeaseRef, RolloutRecord, RolloutStatus } from '../store/index.js';
import type { Clock } from './clock.js';
import { performRolloutAction } from './rollout-actions.js';
import { LeaseLostError, RolloutLeases, recordTakeover } from './rollout-claims.js';
import { commitTransition, forwardToHolder } from './rollout-commit.js';
import type { EngineContext } from './ports.js';
import { step } from './rollout/index.js';
import type { RolloutAction, RolloutEvent, RolloutState } from './rollout/types.js';

export interface RolloutDriverOptions {
  clock: Clock;
  /** Called when a rollout's machine could not be stepped (a bug or a store failure); defaults to the engine's log. */
  onError?: (error: unknown, rolloutId: string) => void;
  /** This process's name on its leases; a restart under the same name takes them back at once. Default: random. */
  holder?: string;
  /** A dead process's rollouts are taken over within this period (ms). Default 15 000. */
  leaseMs?: number;
}

export const DEFAULT_LEASE_MS = 15_000;
/** How long stop() waits for the steps under way. */
const STOP_WAIT_MS = 5000;

export class RolloutDriver {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly wakeups = new Map<string, () => void>();
  private readonly settledWaiters = new Map<string, Array<() => void>>();
  private readonly leases: RolloutLeases;
  private unlisten: (() => Promise<void>) | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: EngineContext,
    private readonly options: RolloutDriverOptions,
  ) {
    this.leases = new RolloutLeases(
      {
        store: ctx.store,
        clock: options.clock,
        holder: options.holder ?? `sluice-${randomUUID()}`,
        leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
        onTakeover: (claim) => void recordTakeover(this.ctx, claim),
        onError: (error) => this.ctx.log?.warn({ err: error }, 'claiming rollouts failed; retrying every pass'),
      },
      {
        adopted: (claim) => {
          void this.enqueue(claim.rollout.id, () => this.apply(claim.rollout.id, { type: 'tick' }));
          this.drainInbox(claim.rollout.id);
        },
        lost: (id) => this.cancelWake(id),
        due: (id) => {
          if (!this.wakeups.has(id)) void this.enqueue(id, () => this.apply(id, { type: 'tick' }));
        },
        inbox: (id) => this.drainInbox(id),
        afterPass: () => this.settleFinishedElsewhere(),
      },
    );
  }

  /** This process's name on the leases it holds. */
  get holder(): string {
    return this.leases.holder;
  }

  /** Rollouts this process took over from processes that let their lease expire (a `lease.takeover` entry each). */
  get leaseTakeovers(): number {
    return this.leases.takeovers;
  }

  /** Rollouts whose lease this process holds now. */
  get heldLeases(): number {
    return this.leases.size;
  }

  /** Starts the claim loop; its first pass picks up due, orphaned and formerly own rollouts. Returns how many. */
  async resume(): Promise<number> {
    // The first pass before listening: a notification during it would start a second pass beside it.
    const claimed = await this.leases.start();
    this.unlisten ??= await this.ctx.store.onNotification('work', () => this.leases.wake());
    return claimed;
  }

  /**
   * Persists a new rollout, leased to this process, and runs its first transitions; resolves once it waits for
   * time, a hook or a person. `actor` (who deployed) is named on the timeline for these first transitions;
   * later ones are Sluice's own.
   */
  async begin(initial: RolloutState, firstActions: RolloutAction[], actor = SYSTEM_ACTOR): Promise<RolloutRecord> {
    const record = await this.ctx.store.createRollout(
      {
        id: initial.id,
        app: initial.app,
        stage: initial.stage,
        service: initial.service,
        deploymentId: initial.deploymentId,
        status: statusOf(initial),
        state: initial as unknown as Record<string, unknown>,
        wakeAt: null,
      },
      { holder: this.leases.holder, now: this.options.clock.now(), ttlMs: this.leases.ttlMs },
    );
    this.leases.hold(initial.id, record.lease?.token ?? 1);
    await this.enqueue(initial.id, () => this.perform(record, initial, firstActions, actor, this.leases.lease(initial.id)!));
    return (await this.ctx.store.getRollout(initial.id)) ?? record;
  }

  /**
   * Feeds an event to a rollout (manual control, hook results), one at a time per rollout: here when this
   * process holds the lease or can claim it; otherwise through the store's inbox to the process holding it,
   * resolving once that one applied it (or after two lease periods, when it stays queued for the next holder).
   */
  async dispatch(id: string, event: RolloutEvent): Promise<void> {
    if (this.stopped) return;
    if (!this.leases.lease(id) && !(await this.leases.claim(id))) return this.forward(id, event);
    return this.enqueue(id, () => this.apply(id, event));
  }

  /** Resolves when the rollout is no longer active (for `deploy --wait` and tests), whichever process ends it. */
  async settled(id: string): Promise<RolloutRecord> {
    const current = await this.ctx.store.getRollout(id);
    if (!current) throw new SluiceError('NOT_FOUND', `No rollout ${id}.`);
    if (current.status !== 'active') return current;
    await new Promise<void>((resolve) => this.settledWaiters.set(id, [...(this.settledWaiters.get(id) ?? []), resolve]));
    return (await this.ctx.store.getRollout(id))!;
  }

  /** Resolves once no step and no claim pass is in progress (tests advance a fake clock, then wait for this). */
  async idle(): Promise<void> {
    for (;;) {
      await this.leases.idle();
      const pending = [...this.queues.values()];
      if (pending.length === 0) return;
      await Promise.allSettled(pending);
    }
  }

  /** Stops stepping rollouts and hands the held ones back (due at once) for the other processes. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const cancel of this.wakeups.values()) cancel();
    this.wakeups.clear();
    // Steps under way finish first (bounded: a step stuck on an unreachable store does not hold the stop up).
    let cancel: (() => void) | undefined;
    const clock = this.options.clock;
    await Promise.race([Promise.allSettled([...this.queues.values()]), new Promise<void>((resolve) => (cancel = clock.at(clock.now() + STOP_WAIT_MS, resolve)))]);
    cancel?.();
    await this.leases.stop();
    await this.unlisten?.();
  }

  private reportError(error: unknown, rolloutId: string): void {
    const onError = this.options.onError ?? ((cause: unknown, id: string) => this.ctx.log?.error({ err: cause, rolloutId: id }, 'rollout step failed'));
    onError(error, rolloutId);
  }

  private enqueue(id: string, work: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(id) ?? Promise.resolve();
    const next = previous.then(work, work).catch((error: unknown) => {
      // Fenced: another process holds the rollout now and carries on from its last durable state.
      if (error instanceof LeaseLostError) this.leases.drop(error.rolloutId, error.token);
      else this.reportError(error, id);
    });
    this.queues.set(id, next);
    void next.then(() => {
      if (this.queues.get(id) === next) this.queues.delete(id);
    });
    return next;
  }

  /** Steps the rollout with the event under this process's lease (inside the rollout's queue). */
  private async apply(id: string, event: RolloutEvent, inboxEntry?: number): Promise<void> {
    const lease = this.leases.lease(id);
    if (!lease) {
      // Lost meanwhile: a person's command goes to whoever holds it now; ticks are the holder's own business.
      if (event.type !== 'tick' && inboxEntry === undefined) this.forward(id, event, false).catch((error: unknown) => this.reportError(error, id));
      return;
    }
    const record = await this.ctx.store.getRollout(id);
    if (!record || record.status !== 'active') {
      if (inboxEntry !== undefined) await this.ctx.store.consumeInboxEntry(inboxEntry);
      return;
    }
    const result = step(record.state as unknown as RolloutState, event, this.options.clock.now());
    // A person's command (promote, pause, resume, abort) is theirs on the timeline, with what follows from it.
    await this.perform(record, result.state, result.actions, 'actor' in event ? event.actor : SYSTEM_ACTOR, lease, inboxEntry);
  }

  /** Leaves the event for the holder; with `wait`, resolves once applied, the rollout ended, or two lease periods passed. */
  private forward(id: string, event: RolloutEvent, wait = true): Promise<void> {
    const waitMs = wait ? 2 * (this.leases.ttlMs + this.leases.intervalMs) : 0;
    return forwardToHolder(this.ctx.store, this.options.clock, id, event, { waitMs, stopped: () => this.stopped });
  }

  /** Applies the events waiting in the rollout's inbox, oldest first, each in its own fenced transition. */
  private drainInbox(id: string): void {
    void this.enqueue(id, async () => {
      for (const entry of await this.ctx.store.listRolloutInbox(id)) {
        if (!this.leases.lease(id)) return;
        await this.apply(id, entry.payload as unknown as RolloutEvent, entry.id);
      }
    });
  }

  /** Commits the transition with its audit entries (durable before any effect), then performs the actions in order. */
  private async perform(record: RolloutRecord, state: RolloutState, actions: RolloutAction[], actor: string, lease: LeaseRef, inboxEntry?: number): Promise<void> {
    const wake = actions.filter((a): a is Extract<RolloutAction, { type: 'wakeAt' }> => a.type === 'wakeAt').map((a) => a.at);
    const status = statusOf(state);
    const notices = actions.flatMap((a) => (a.type === 'emit' && a.event.severity !== 'debug' ? [a.event] : []));
    const committed = await commitTransition(this.ctx.store, { record, state, wakeAt: wake.at(-1) ?? null, notices, actor, lease, inboxEntry });
    if (!committed) {
      // Another process took the lease over, or moved the rollout on: its state wins.
      await this.checkLease(record.id, lease);
      return;
    }
    const recorded = [...committed.recorded];
    const followUps: RolloutEvent[] = [];
    for (const action of actions) {
      const event = await performRolloutAction(action, {
        ctx: this.ctx,
        state,
        actor,
        lease,
        now: () => this.options.clock.now(),
        nextRecorded: () => recorded.shift(),
        deliver: (later) => this.dispatch(record.id, later).catch((error: unknown) => this.reportError(error, record.id)),
        wakeAt: (at) => {
          if (this.leases.lease(record.id)?.token === lease.token) this.scheduleWake(record.id, at);
        },
      });
      if (event) followUps.push(event);
    }
    if (status !== 'active') {
      // Saving the end releases the lease.
      const ended = await this.ctx.store.saveRollout(record.id, committed.saved.revision, { status, state: state as unknown as Record<string, unknown>, wakeAt: null }, lease);
      if (!ended) return this.checkLease(record.id, lease);
      this.leases.drop(record.id, lease.token);
      this.settle(record.id);
      return;
    }
    for (const event of followUps) {
      const latest = await this.ctx.store.getRollout(record.id);
      if (!latest || latest.status !== 'active' || this.leases.lease(record.id)?.token !== lease.token) return;
      const result = step(latest.state as unknown as RolloutState, event, this.options.clock.now());
      await this.perform(latest, result.state, result.actions, actor, lease);
    }
  }

  /** After a refused write: forget the lease when it is no longer this process's. */
  private async checkLease(id: string, lease: LeaseRef): Promise<void> {
    const current = await this.ctx.store.getRollout(id);
    if (current?.lease?.holder !== lease.holder || current.lease.token !== lease.token) this.leases.drop(id, lease.token);
    if (current && current.status !== 'active') this.settle(id);
  }

  /** Waiters of rollouts another process ended. */
  private async settleFinishedElsewhere(): Promise<void> {
    for (const id of [...this.settledWaiters.keys()]) {
      if ((await this.ctx.store.getRollout(id))?.status !== 'active') this.settle(id);
    }
  }

  private settle(id: string): void {
    this.cancelWake(id);
    for (const resolve of this.settledWaiters.get(id) ?? []) resolve();
    this.settledWaiters.delete(id);
  }

  private scheduleWake(id: string, at: number): void {
    if (this.stopped) return;
    this.cancelWake(id);
    const cancel = this.options.clock.at(at, () => {
      this.wakeups.delete(id);
      if (this.leases.lease(id)) void this.enqueue(id, () => this.apply(id, { type: 'tick' }));
    });
    this.wakeups.set(id, cancel);
  }

  private cancelWake(id: string): void {
    this.wakeups.get(id)?.();
    this.wakeups.delete(id);
  }
}

/** Who the timeline names for what the driver does on its own (timed steps, analysis, hooks). */
const SYSTEM_ACTOR = 'sluice';

function statusOf(state: RolloutState): RolloutStatus {
  if (state.phase === 'succeeded') return 'succeeded';
  if (state.phase === 'failed') return 'failed';
  if (state.phase === 'aborted') return 'aborted';
  return 'active';
}
