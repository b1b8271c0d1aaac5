// Turns a plain git remote into git events: a watcher per connected repository lists the remote's branches
// every interval (or at once when poked by the notify endpoint a post-receive hook calls), compares them with
// the heads it last saw, and emits a push per created/updated branch and a branch_deleted per deleted one.
// An event's head is saved only after the listener accepted it, so a crash or a failing listener means the
// change is seen again on the next poll (at least once), never lost.

import type { Clock } from '../../engine/index.js';
import type { BranchDeletedEvent, PushEvent } from '../types.js';
import { listBranches as listRemoteBranches } from './repository-mirror.js';

/** What the watcher reports: a branch created or moved, or a branch deleted. */
export type BranchChange = PushEvent | BranchDeletedEvent;

export interface ChangeOrigin {
  repoId: string;
  /** The watcher cannot know who pushed; this names the source (default `git`). */
  actor: string;
}

/** The last-seen heads, kept by the caller (the store's branch_heads table). */
export interface BranchHeadStore {
  load(): Promise<Map<string, string>>;
  /** Records accepted changes: a push sets the branch's head, a deletion forgets the branch. */
  save(changes: BranchChange[]): Promise<void>;
}

/** The changes from `previous` to `current` heads, in branch-name order. Pure. */
export function diffBranches(previous: ReadonlyMap<string, string>, current: ReadonlyMap<string, string>, origin: ChangeOrigin): BranchChange[] {
  const base = { repoId: origin.repoId, actor: origin.actor, source: 'git' as const };
  const names = [...new Set([...previous.keys(), ...current.keys()])].sort();
  const changes: BranchChange[] = [];
  for (const branch of names) {
    const before = previous.get(branch);
    const after = current.get(branch);
    if (after === undefined) changes.push({ ...base, type: 'branch_deleted', branch });
    else if (before !== after) changes.push({ ...base, type: 'push', branch, sha: after, before: before ?? null });
  }
  return changes;
}

export interface BranchWatcherOptions {
  repoId: string;
  /** The repository's clone URL or path. */
  url: string;
  /** Time between the end of one poll and the start of the next; 0 = poll only when poked. */
  intervalMs: number;
  clock: Clock;
  store: BranchHeadStore;
  onEvent(event: BranchChange): void | Promise<void>;
  /** Listing, store and listener failures; polling goes on. */
  onError(error: unknown): void;
  actor?: string;
  /** Default: `git ls-remote --heads`. */
  listBranches?: (url: string, options: { signal: AbortSignal }) => Promise<Map<string, string>>;
}

export class BranchWatcher {
  private heads: Map<string, string> | null = null;
  private inFlight: Promise<void> | null = null;
  private pending: Promise<void> | null = null;
  private cancelTimer: (() => void) | null = null;
  private started = false;
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(private readonly options: BranchWatcherOptions) {}

  /** Polls now, then every interval. Resolves when the first poll is done. */
  start(): Promise<void> {
    if (this.started || this.stopped) return this.inFlight ?? Promise.resolve();
    this.started = true;
    return this.poke();
  }

  /**
   * Polls as soon as possible; resolves when a poll that began after this call has finished. Pokes while a
   * poll is running share one follow-up poll.
   */
  poke(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    // A queued follow-up starts after this call, so it serves this poke too (and checking it first closes
    // the gap between a poll's end and the follow-up's start, where a second poll could otherwise begin).
    if (this.pending) return this.pending;
    if (!this.inFlight) return this.beginPoll();
    this.pending ??= this.inFlight.then(() => {
      this.pending = null;
      return this.stopped ? undefined : this.beginPoll();
    });
    return this.pending;
  }

  /** Stops polling, cancels a listing under way and resolves once nothing is left running or scheduled. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    this.abort.abort();
    await this.inFlight;
    await this.pending;
  }

  private beginPoll(): Promise<void> {
    this.clearTimer();
    const poll = this.pollOnce().finally(() => {
      this.inFlight = null;
      this.scheduleNext();
    });
    this.inFlight = poll;
    return poll;
  }

  private scheduleNext(): void {
    if (this.stopped || this.pending || this.options.intervalMs <= 0) return;
    this.clearTimer();
    this.cancelTimer = this.options.clock.at(this.options.clock.now() + this.options.intervalMs, () => {
      this.cancelTimer = null;
      void this.poke();
    });
  }

  private clearTimer(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  private async pollOnce(): Promise<void> {
    try {
      const list = this.options.listBranches ?? ((url, callOptions) => listRemoteBranches(url, callOptions));
      this.heads ??= new Map(await this.options.store.load());
      const current = await list(this.options.url, { signal: this.abort.signal });
      const changes = diffBranches(this.heads, current, { repoId: this.options.repoId, actor: this.options.actor ?? 'git' });
      for (const change of changes) {
        if (this.stopped) return;
        await this.options.onEvent(change);
        await this.options.store.save([change]);
        if (change.type === 'push') this.heads.set(change.branch, change.sha);
        else this.heads.delete(change.branch);
      }
    } catch (error) {
      if (!this.stopped) this.options.onError(error);
    }
  }
}
