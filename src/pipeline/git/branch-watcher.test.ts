// The branch watcher: the pure diff, and the watcher polling a real repository on a fake clock (no sleeps:
// polls are driven by advancing the clock or by poke(), and tests await the events they expect).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../engine/index.js';
import { BranchWatcher, diffBranches, type BranchChange, type BranchHeadStore, type BranchWatcherOptions } from './branch-watcher.js';
import { listBranches } from './repository-mirror.js';
import { createTestRepository, plainGit, type TestRepository } from './git-test-repository.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const origin = { repoId: 'r1', actor: 'git' };

describe('diffBranches', () => {
  it('reports created, updated and deleted branches in name order, and nothing for unchanged ones', () => {
    const previous = new Map([['main', A], ['old', A], ['same', B], ['feature/x', A]]);
    const current = new Map([['main', B], ['same', B], ['feature/x', A], ['--upload-pack=x', C]]);
    expect(diffBranches(previous, current, origin)).toEqual([
      { repoId: 'r1', actor: 'git', source: 'git', type: 'push', branch: '--upload-pack=x', sha: C, before: null },
      { repoId: 'r1', actor: 'git', source: 'git', type: 'push', branch: 'main', sha: B, before: A },
      { repoId: 'r1', actor: 'git', source: 'git', type: 'branch_deleted', branch: 'old' },
    ]);
  });

  it('finds no change between equal maps, and everything is created from nothing', () => {
    const heads = new Map([['main', A], ['dev', B]]);
    expect(diffBranches(heads, new Map(heads), origin)).toEqual([]);
    expect(diffBranches(new Map(), heads, origin).map((e) => [e.type, e.branch, e.type === 'push' ? e.before : 'n/a'])).toEqual([
      ['push', 'dev', null],
      ['push', 'main', null],
    ]);
    expect(diffBranches(heads, new Map(), origin).map((e) => e.type)).toEqual(['branch_deleted', 'branch_deleted']);
  });
});

/** The store's branch_heads table, in memory. */
function memoryStore(initial: Map<string, string> = new Map()) {
  const heads = new Map(initial);
  const saved: BranchChange[] = [];
  let failSaves = 0;
  const store: BranchHeadStore = {
    load: async () => new Map(heads),
    async save(changes) {
      if (failSaves > 0) {
        failSaves--;
        throw new Error('store is down');
      }
      for (const change of changes) {
        saved.push(change);
        if (change.type === 'push') heads.set(change.branch, change.sha);
        else heads.delete(change.branch);
      }
    },
  };
  return { store, heads, saved, failNextSaves: (n: number) => { failSaves = n; } };
}

/** Collects what a watcher reports; `events(n)` resolves once n events in total have arrived. */
function recorder() {
  const events: BranchChange[] = [];
  const errors: unknown[] = [];
  const waiters: Array<{ count: number; kind: 'events' | 'errors'; done: () => void }> = [];
  const settle = () => {
    for (const waiter of [...waiters]) {
      const have = waiter.kind === 'events' ? events.length : errors.length;
      if (have >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.done();
      }
    }
  };
  return {
    events,
    errors,
    onEvent: (event: BranchChange) => {
      events.push(event);
      settle();
    },
    onError: (error: unknown) => {
      errors.push(error);
      settle();
    },
    until: (kind: 'events' | 'errors', count: number) => new Promise<void>((done) => {
      waiters.push({ count, kind, done });
      settle();
    }),
  };
}

/** A promise with its resolve handle, to hold a listing in flight. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => { open = resolve; });
  return { opened, open };
}

let repo: TestRepository;
let clock: FakeClock;
const watchers: BranchWatcher[] = [];

beforeEach(async () => {
  repo = await createTestRepository();
  clock = new FakeClock(1_000_000);
});

afterEach(async () => {
  while (watchers.length > 0) await watchers.pop()!.stop();
  await repo.cleanup();
});

function watch(options: Partial<BranchWatcherOptions> & Pick<BranchWatcherOptions, 'store' | 'onEvent' | 'onError'>): BranchWatcher {
  const watcher = new BranchWatcher({ repoId: 'r1', url: repo.origin, intervalMs: 1000, clock, ...options });
  watchers.push(watcher);
  return watcher;
}

/** The real lister, counting its calls. */
function countingLister() {
  const counter = { calls: 0, list: (url: string, options: { signal: AbortSignal }) => {
    counter.calls++;
    return listBranches(url, options);
  } };
  return counter;
}

describe('BranchWatcher', () => {
  it('emits created, updated and deleted branches as the remote changes, polling on the clock', async () => {
    const main1 = await repo.commit({ 'a.txt': '1\n' }, 'one');
    await repo.push('HEAD:refs/heads/main', 'HEAD:refs/heads/--upload-pack=x');
    const { store, heads, saved } = memoryStore();
    const seen = recorder();
    const lister = countingLister();
    const watcher = watch({ store, onEvent: seen.onEvent, onError: seen.onError, listBranches: lister.list });

    await watcher.start();
    expect(seen.events).toEqual([
      { repoId: 'r1', actor: 'git', source: 'git', type: 'push', branch: '--upload-pack=x', sha: main1, before: null },
      { repoId: 'r1', actor: 'git', source: 'git', type: 'push', branch: 'main', sha: main1, before: null },
    ]);
    expect(clock.pending()).toBe(1);

    const main2 = await repo.commit({ 'a.txt': '2\n' }, 'two');
    await repo.push('HEAD:refs/heads/main', 'HEAD:refs/heads/feature/Login_UI', ':refs/heads/--upload-pack=x');
    clock.advance(999);
    expect(lister.calls).toBe(1);
    clock.advance(1);
    expect(lister.calls).toBe(2);
    await seen.until('events', 5);
    expect(seen.events.slice(2)).toEqual([
      { repoId: 'r1', actor: 'git', source: 'git', type: 'branch_deleted', branch: '--upload-pack=x' },
      { repoId: 'r1', actor: 'git', source: 'git', type: 'push', branch: 'feature/Login_UI', sha: main2, before: null },
      { repoId: 'r1', actor: 'git', source: 'git', type: 'push', branch: 'main', sha: main2, before: main1 },
    ]);
    // A poke waits for the clock's poll to finish (its last save included), and finds nothing new.
    await watcher.poke();
    expect(seen.events).toHaveLength(5);
    expect(saved).toEqual(seen.events);
    expect(Object.fromEntries(heads)).toEqual(Object.fromEntries(await listBranches(repo.origin)));
    expect(seen.errors).toEqual([]);
  });

  it('emits nothing when nothing changed, and resumes from the stored heads after a restart', async () => {
    const sha = await repo.commit({ 'a.txt': '1\n' }, 'one');
    await repo.push('HEAD:refs/heads/main');
    const { store } = memoryStore(new Map([['main', sha]]));
    const seen = recorder();
    const watcher = watch({ store, onEvent: seen.onEvent, onError: seen.onError });
    await watcher.start();
    await watcher.poke();
    expect(seen.events).toEqual([]);
    expect(seen.errors).toEqual([]);

    const next = await repo.commit({ 'a.txt': '2\n' }, 'two');
    await repo.push('HEAD:refs/heads/main');
    await watcher.poke();
    expect(seen.events).toEqual([{ repoId: 'r1', actor: 'git', source: 'git', type: 'push', branch: 'main', sha: next, before: sha }]);
  });

  it('coalesces pokes during a poll into one follow-up poll that sees later pushes', async () => {
    const sha = await repo.commit({ 'a.txt': '1\n' }, 'one');
    await repo.push('HEAD:refs/heads/main');
    const { store } = memoryStore();
    const seen = recorder();
    const hold = gate();
    const listed = gate();
    let calls = 0;
    const watcher = watch({
      store, onEvent: seen.onEvent, onError: seen.onError, intervalMs: 0,
      listBranches: async (url, options) => {
        calls++;
        // The first listing is taken now and handed back only when the gate opens.
        const heads = await listBranches(url, options);
        if (calls === 1) {
          listed.open();
          await hold.opened;
        }
        return heads;
      },
    });
    const first = watcher.poke();
    await listed.opened;
    const pokes = Array.from({ length: 5 }, () => watcher.poke());
    expect(new Set(pokes).size).toBe(1);
    const later = await repo.commit({ 'a.txt': '2\n' }, 'two');
    await repo.push('HEAD:refs/heads/main');
    hold.open();
    await Promise.all([first, ...pokes]);
    expect(calls).toBe(2);
    expect(seen.events.map((e) => (e.type === 'push' ? [e.sha, e.before] : null))).toEqual([[sha, null], [later, sha]]);
    expect(clock.pending()).toBe(0);
  });

  it('reports listing errors and keeps polling until the repository answers', async () => {
    const url = join(repo.root, 'not-yet.git');
    const { store } = memoryStore();
    const seen = recorder();
    const watcher = watch({ store, url, onEvent: seen.onEvent, onError: seen.onError });
    await watcher.start();
    expect(seen.errors).toHaveLength(1);
    expect(seen.errors[0]).toMatchObject({ code: 'GIT_FAILED' });
    expect(clock.pending()).toBe(1);

    clock.advance(1000);
    await seen.until('errors', 2);
    await plainGit(['init', '--quiet', '--bare', url]);
    const sha = await repo.commit({ 'a.txt': '1\n' }, 'one');
    await plainGit(['push', '--quiet', url, 'HEAD:refs/heads/main'], { cwd: repo.work });
    clock.advance(1000);
    await seen.until('events', 1);
    expect(seen.events).toEqual([{ repoId: 'r1', actor: 'git', source: 'git', type: 'push', branch: 'main', sha, before: null }]);
    expect(seen.errors).toHaveLength(2);
  });

  it('re-emits a change whose head could not be saved, and saves it the next time', async () => {
    const sha = await repo.commit({ 'a.txt': '1\n' }, 'one');
    await repo.push('HEAD:refs/heads/main');
    const { store, heads, failNextSaves } = memoryStore();
    failNextSaves(1);
    const seen = recorder();
    const watcher = watch({ store, onEvent: seen.onEvent, onError: seen.onError });
    await watcher.start();
    expect(seen.errors.map((e) => (e as Error).message)).toEqual(['store is down']);
    expect(heads.size).toBe(0);
    clock.advance(1000);
    await seen.until('events', 2);
    expect(seen.events.map((e) => e.type === 'push' && e.sha)).toEqual([sha, sha]);
    await watcher.poke();
    expect(heads.get('main')).toBe(sha);
    expect(seen.events).toHaveLength(2);
  });

  it('keeps unaccepted changes when the listener throws', async () => {
    await repo.commit({ 'a.txt': '1\n' }, 'one');
    await repo.push('HEAD:refs/heads/main');
    const { store, saved } = memoryStore();
    const seen = recorder();
    let refuse = true;
    const watcher = watch({
      store, onError: seen.onError,
      onEvent: (event) => {
        if (refuse) throw new Error('queue full');
        seen.onEvent(event);
      },
    });
    await watcher.start();
    expect(seen.errors.map((e) => (e as Error).message)).toEqual(['queue full']);
    expect(saved).toEqual([]);
    refuse = false;
    await watcher.poke();
    expect(seen.events.map((e) => e.branch)).toEqual(['main']);
    expect(saved).toEqual(seen.events);
  });

  it('polls only when poked with an interval of 0', async () => {
    const { store } = memoryStore();
    const seen = recorder();
    const lister = countingLister();
    const watcher = watch({ store, onEvent: seen.onEvent, onError: seen.onError, intervalMs: 0, listBranches: lister.list });
    await watcher.start();
    expect(clock.pending()).toBe(0);
    clock.advance(60_000);
    expect(lister.calls).toBe(1);
    await watcher.poke();
    expect(lister.calls).toBe(2);
  });

  it('stops with no timer left, cancels a listing under way and ignores later pokes', async () => {
    await repo.commit({ 'a.txt': '1\n' }, 'one');
    await repo.push('HEAD:refs/heads/main');
    const { store, saved } = memoryStore();
    const seen = recorder();
    const hold = gate();
    let calls = 0;
    let aborted = false;
    const watcher = watch({
      store, onEvent: seen.onEvent, onError: seen.onError,
      listBranches: async (url, options) => {
        calls++;
        options.signal.addEventListener('abort', () => { aborted = true; hold.open(); });
        await hold.opened;
        return listBranches(url);
      },
    });
    const started = watcher.start();
    await Promise.resolve();
    await watcher.stop();
    await started;
    expect(aborted).toBe(true);
    expect(clock.pending()).toBe(0);
    expect(seen.events).toEqual([]);
    expect(seen.errors).toEqual([]);
    expect(saved).toEqual([]);
    await watcher.poke();
    clock.advance(10_000);
    expect(calls).toBe(1);
    expect(existsSync(repo.origin)).toBe(true);
  });
});
