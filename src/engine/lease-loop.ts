// The leases of one control-plane process on leased work (rollouts, pipeline runs), and its claim loop.
// Several processes on one database share the work this way: a process acts on a row only while it holds
// its lease.
//
// Every pass (a quarter of the lease period, on the injected clock; at once when PostgreSQL notifies that
// work was released or events wait) the loop
//   1. renews the leases it holds; one it cannot renew was taken over (this process was paused or cut off
//      for longer than the lease), and is dropped: its writes are fenced by the store anyway;
//   2. reports held rows that are due without a local timer (timers only speed things up) and those
//      with events waiting in the inbox;
//   3. claims rows that are due and free, or whose holder let the lease expire (a dead process), and
//      hands them to the owner, which reconciles each before anything else.
// A lease is written to last three quarters of the period from each renewal, so a dead holder's work is
// claimed at most one lease period after its last renewal.

import type { Lease, LeaseRef, RenewedLease } from '../store/index.js';
import type { Clock } from './clock.js';

/** What a claim of any leased work carries. */
export interface WorkClaim {
  lease: Lease;
  previousHolder: string | null;
  previousExpiresAt: number | null;
}

/** The store operations on one kind of leased work (rollouts, pipeline runs). */
export interface LeasedWorkStore<C extends WorkClaim> {
  /** The id of the claimed row. */
  idOf(claim: C): string;
  claimDue(holder: string, now: number, ttlMs: number, limit: number, options: { includeOwn?: boolean }): Promise<C[]>;
  claimOne(id: string, holder: string, now: number, ttlMs: number): Promise<C | undefined>;
  renew(holder: string, leases: Array<{ id: string; token: number }>, now: number, ttlMs: number): Promise<RenewedLease[]>;
  release(id: string, lease: LeaseRef, now: number): Promise<boolean>;
}

/** What the driver does with the loop's findings. */
export interface LeaseWork<C extends WorkClaim> {
  /** A lease was acquired from nobody, an expired holder, or an earlier run of this process. */
  adopted(claim: C): void;
  /** A lease is no longer this process's. */
  lost(id: string): void;
  /** A held rollout is due (wake_at ≤ now). */
  due(id: string): void;
  /** Events wait in the inbox of a held rollout. */
  inbox(id: string): void;
  /** After every pass (e.g. to look at rollouts others finished). */
  afterPass(): Promise<void>;
}

export interface LeaseLoopOptions<C extends WorkClaim> {
  store: LeasedWorkStore<C>;
  clock: Clock;
  holder: string;
  /** A dead holder's rollouts are taken over within this period (ms). */
  leaseMs: number;
  /** Most rollouts claimed per pass. Default 100. */
  batch?: number;
  /** A takeover from a holder that let its lease expire. */
  onTakeover(claim: C): void;
  /** A pass failed (the store is unreachable); reported once per run of failures. */
  onError(error: unknown): void;
}

export class LeaseLoop<C extends WorkClaim> {
  readonly holder: string;
  readonly intervalMs: number;
  /** How long a claim or renewal lasts: the period less one pass, so a takeover fits in one period. */
  readonly ttlMs: number;
  /** Leases taken over from processes that let them expire. */
  takeovers = 0;
  readonly #held = new Map<string, LeaseRef>();
  readonly #claiming = new Map<string, Promise<C | undefined>>();
  readonly #options: LeaseLoopOptions<C>;
  readonly #work: LeaseWork<C>;
  #cancelTimer: (() => void) | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #failing = false;
  #stopped = false;

  constructor(options: LeaseLoopOptions<C>, work: LeaseWork<C>) {
    this.#options = options;
    this.#work = work;
    this.holder = options.holder;
    this.intervalMs = Math.max(1, Math.floor(options.leaseMs / 4));
    this.ttlMs = options.leaseMs - this.intervalMs;
  }

  get size(): number {
    return this.#held.size;
  }

  /** The lease this process holds on the rollout, if any. */
  lease(id: string): LeaseRef | undefined {
    return this.#held.get(id);
  }

  /** Records a lease acquired outside the loop (a rollout created leased to this process). */
  hold(id: string, token: number): void {
    this.#held.set(id, { holder: this.holder, token });
  }

  /** Forgets a lease (the rollout ended, or a write found it taken over); only if it is still that token. */
  drop(id: string, token?: number): void {
    if (token !== undefined && this.#held.get(id)?.token !== token) return;
    if (this.#held.delete(id)) this.#work.lost(id);
  }

  /**
   * Claims one rollout for an event; undefined when another live process holds it (or it is not active).
   * Concurrent calls for one rollout share one claim: a second claim would fence the first one's writes.
   */
  claim(id: string): Promise<C | undefined> {
    const pending = this.#claiming.get(id);
    if (pending) return pending;
    const claiming = (async () => {
      const claim = await this.#options.store.claimOne(id, this.holder, this.#options.clock.now(), this.ttlMs);
      if (claim) this.#adopt(claim);
      return claim;
    })().finally(() => this.#claiming.delete(id));
    this.#claiming.set(id, claiming);
    return claiming;
  }

  /** First pass (taking back this holder's earlier leases too), then a pass every interval; resolves after the first. */
  async start(): Promise<number> {
    let claimed = 0;
    // A pass woken before the start finishes first: two passes at once would claim the same rows twice.
    await this.idle();
    this.#cancelTimer?.();
    this.#run(async () => {
      claimed = await this.#pass(true);
    });
    await this.idle();
    return claimed;
  }

  /** Runs a pass now (or right after the one running). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#cancelTimer?.();
    this.#run(() => this.#pass(false));
  }

  /** Resolves when no pass is running (tests advance a fake clock, then wait for this). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Stops the loop and hands every held rollout back, due at once for the other processes. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelTimer?.();
    await this.idle();
    const now = this.#options.clock.now();
    const held = [...this.#held];
    this.#held.clear();
    await Promise.all(held.map(([id, lease]) => this.#options.store.release(id, lease, now).catch(() => false)));
  }

  #schedule(): void {
    if (this.#stopped) return;
    const clock = this.#options.clock;
    this.#cancelTimer = clock.at(clock.now() + this.intervalMs, () => this.#run(() => this.#pass(false)));
  }

  /** Runs one pass at a time; a wake-up during a pass runs another right after it, else the next is timed. */
  #run(pass: () => Promise<unknown>): void {
    this.#cancelTimer = undefined;
    this.#running = pass()
      .then(() => {
        if (this.#failing) this.#failing = false;
      }, (error: unknown) => this.#fail(error))
      .finally(() => {
        this.#running = undefined;
        if (this.#again && !this.#stopped) {
          this.#again = false;
          this.#run(() => this.#pass(false));
        } else {
          this.#schedule();
        }
      });
  }

  #fail(error: unknown): void {
    if (this.#failing) return;
    this.#failing = true;
    this.#options.onError(error);
  }

  async #pass(first: boolean): Promise<number> {
    const { store, clock } = this.#options;
    const now = clock.now();
    const requested = [...this.#held].map(([id, lease]) => ({ id, token: lease.token }));
    if (requested.length > 0) {
      const renewed = new Map((await store.renew(this.holder, requested, now, this.ttlMs)).map((r) => [r.id, r]));
      for (const { id, token } of requested) {
        const kept = renewed.get(id);
        if (kept === undefined) this.drop(id, token);
        else if (this.#held.get(id)?.token === token) {
          if (kept.inbox) this.#work.inbox(id);
          if (kept.wakeAt !== null && kept.wakeAt <= now) this.#work.due(id);
        }
      }
    }
    if (this.#stopped) return 0;
    const claims = await store.claimDue(this.holder, now, this.ttlMs, this.#options.batch ?? 100, { includeOwn: first });
    for (const claim of claims) this.#adopt(claim);
    await this.#work.afterPass();
    return claims.length;
  }

  #adopt(claim: C): void {
    this.#held.set(this.#options.store.idOf(claim), { holder: this.holder, token: claim.lease.token });
    if (claim.previousHolder !== null && claim.previousHolder !== this.holder) {
      this.takeovers++;
      this.#options.onTakeover(claim);
    }
    this.#work.adopted(claim);
  }
}

