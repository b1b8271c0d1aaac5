// Store contract, git-driven delivery (migration 0005): repositories and branch heads, webhook deliveries
// deduplicated, pipeline runs (numbered per app, compare-and-set saves, leased like rollouts, events that
// make an unheld run due), their log lines in order also when appended at once, previews and releases.

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FINISHED_RUN_STATUSES } from './index.js';
import type { NewRelease, NewRepository, NewRun, PipelineRunRecord, RunClaim, RunUpdate, Store } from './index.js';
import { StoreHarness, type StoreTargetName } from './testing/store-harness.js';
import { rejection } from './testing/store-fixtures.js';

const harness = new StoreHarness(process.env.TEST_DATABASE_URL);
afterEach(() => harness.teardown());
afterAll(() => harness.dropSchemas());

const TTL = 10_000;
const SHA = 'a'.repeat(40);
const ids = (claims: RunClaim[]) => claims.map((c) => c.run.id).sort();

const newRun = (id: string, overrides: Partial<NewRun> = {}): NewRun => ({
  id, app: 'workshop', repoId: 'r1', kind: 'branch', branch: 'master', sha: SHA, pr: null, stage: 'staging', fork: false,
  trigger: { source: 'github', event: 'push', actor: 'ann' }, state: { steps: [] }, ...overrides,
});

const running = (state: Record<string, unknown> = { steps: ['checks'] }, wakeAt: number | null = null): RunUpdate => ({ status: 'running', state, wakeAt });

const repository = (id: string, overrides: Partial<NewRepository> = {}): NewRepository => ({
  id, app: 'workshop', kind: 'github', url: 'https://github.com/acme/workshop.git', appDir: '.', githubRepo: 'acme/workshop',
  webhookSecret: 'v1:sealed', pollIntervalMs: 0, ...overrides,
});

const release = (id: string, overrides: Partial<NewRelease> = {}): NewRelease => ({
  id, app: 'workshop', stage: 'staging', commitSha: SHA, treeSha: 't1', sources: { 'sluice.app.yml': 'app: workshop\n' },
  functionCode: { 'restapi.submit': 'code-1' }, params: { env: 'staging' }, runId: null, ...overrides,
});

/** Two stores on one database on PostgreSQL (two processes); on SQLite one store stands for the single writer. */
async function storesFor(target: StoreTargetName) {
  const opened = target === 'postgres' ? await harness.twoStores(target) : { ...(await harness.freshStore(target)), other: undefined };
  return { ...opened, other: opened.other ?? opened.store };
}

async function finish(store: Store, run: PipelineRunRecord, now: number, status: RunUpdate['status'] = 'succeeded'): Promise<PipelineRunRecord | undefined> {
  return store.saveRun(run.id, run.revision, { status, state: { steps: ['done'] }, wakeAt: now + 5 }, now, run.lease);
}

for (const target of harness.targets) {
  describe(`Store contract on ${target}: pipelines`, () => {
    it('creates runs numbered per app, queued, due at once, at revision 1', async () => {
      const { store, clock } = await harness.freshStore(target);
      const now = clock.now();
      const first = await store.createRun(newRun('a1', { fork: true, pr: 7 }), now);
      expect(first).toEqual({
        ...newRun('a1', { fork: true, pr: 7 }), number: 1, status: 'queued', reason: null, wakeAt: now, revision: 1,
        createdAt: now, updatedAt: now, finishedAt: null,
      });
      expect(await store.getRun('a1')).toEqual(first);
      expect((await store.createRun(newRun('a2', { wakeAt: null, status: 'awaiting_approval' }), now + 1))).toMatchObject({ number: 2, wakeAt: null, status: 'awaiting_approval' });
      expect((await store.createRun(newRun('b1', { app: 'other' }), now)).number).toBe(1);
      expect((await store.createRun(newRun('a3'), now)).number).toBe(3);
      expect(await store.getRun('nope')).toBeUndefined();
      expect(String(await rejection(store.createRun(newRun('a1'), now)))).toContain('already exists');
      expect(await store.countRuns({ app: 'workshop' })).toBe(3);
    });

    it('gives runs created at once distinct consecutive numbers', async () => {
      const { store, other, clock } = await storesFor(target);
      const created = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? other : store).createRun(newRun(`r${i}`), clock.now())));
      expect(created.map((r) => r.number).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    });

    it('numbers a run created in a transaction that rolls back again', async () => {
      const { store, clock } = await harness.freshStore(target);
      await expect(store.transaction(async (tx) => {
        expect((await tx.createRun(newRun('gone'), clock.now())).number).toBe(1);
        throw new Error('rolled back');
      })).rejects.toThrow('rolled back');
      expect(await store.getRun('gone')).toBeUndefined();
      expect((await store.createRun(newRun('kept'), clock.now())).number).toBe(1);
    });

    it('saves a run only at its current revision, keeps the reason unless given, and finishing ends the work', async () => {
      const { store, clock } = await harness.freshStore(target);
      const now = clock.now();
      const created = await store.createRun(newRun('r1'), now);
      const saved = await store.saveRun('r1', 1, { ...running(), reason: 'slow runner' }, now + 10);
      expect(saved).toMatchObject({ revision: 2, status: 'running', state: { steps: ['checks'] }, wakeAt: null, reason: 'slow runner', updatedAt: now + 10, createdAt: now });
      expect(await store.saveRun('r1', 1, running({ steps: ['stale'] }), now + 20)).toBeUndefined();
      expect(await store.saveRun('nope', 1, running(), now + 20)).toBeUndefined();
      const again = await store.saveRun('r1', 2, running({ steps: ['deploy'] }, now + 500), now + 30);
      expect(again).toMatchObject({ revision: 3, reason: 'slow runner', wakeAt: now + 500 });
      const failed = await store.saveRun('r1', 3, { status: 'failed', state: { steps: ['deploy'] }, wakeAt: now + 999, reason: 'npm test exited with 1' }, now + 40);
      expect(failed).toMatchObject({ revision: 4, status: 'failed', wakeAt: null, finishedAt: now + 40, reason: 'npm test exited with 1' });
      // Saved again once finished: when it finished stays.
      expect(await store.saveRun('r1', 4, { status: 'failed', state: {}, wakeAt: null, reason: null }, now + 50)).toMatchObject({ finishedAt: now + 40, reason: null });
      expect(created.revision).toBe(1);
    });

    it('lists runs newest first with filters and a limit, and counts them alike', async () => {
      const { store, clock } = await harness.freshStore(target);
      const now = clock.now();
      await store.createRun(newRun('old', { branch: 'feature-x', kind: 'preview' }), now);
      await store.createRun(newRun('tie-1'), now + 10);
      await store.createRun(newRun('tie-2', { repoId: 'r2' }), now + 10);
      const newest = await store.createRun(newRun('newest', { branch: 'feature-x', kind: 'preview' }), now + 20);
      await store.createRun(newRun('elsewhere', { app: 'other' }), now + 30);
      await store.saveRun('newest', newest.revision, { status: 'canceled', state: {}, wakeAt: null }, now + 40);
      const list = async (query: Parameters<Store['listRuns']>[0]) => (await store.listRuns(query)).map((r) => r.id);
      expect(await list({ app: 'workshop' })).toEqual(['newest', 'tie-2', 'tie-1', 'old']);
      expect(await list({})).toEqual(['elsewhere', 'newest', 'tie-2', 'tie-1', 'old']);
      expect(await list({ app: 'workshop', limit: 2 })).toEqual(['newest', 'tie-2']);
      expect(await list({ app: 'workshop', branch: 'feature-x' })).toEqual(['newest', 'old']);
      expect(await list({ repoId: 'r2' })).toEqual(['tie-2']);
      expect(await list({ app: 'workshop', statuses: ['queued'] })).toEqual(['tie-2', 'tie-1', 'old']);
      expect(await list({ statuses: [...FINISHED_RUN_STATUSES] })).toEqual(['newest']);
      expect(await list({ statuses: [] })).toEqual([]);
      expect(await store.countRuns({ app: 'workshop' })).toBe(4);
      expect(await store.countRuns({ app: 'workshop', branch: 'feature-x', statuses: ['queued'] })).toBe(1);
      expect(await store.countRuns({ repoId: 'r1', limit: 1 })).toBe(4);
      expect(await store.countRuns({ statuses: [] })).toBe(0);
    });

    it('claims only unfinished runs that are due and free, and a finished run never again', async () => {
      const { store, clock } = await harness.freshStore(target);
      const now = clock.now();
      await store.createRun(newRun('due'), now);
      await store.createRun(newRun('later', { wakeAt: now + 1 }), now);
      await store.createRun(newRun('waiting', { wakeAt: null, status: 'awaiting_approval' }), now);
      const done = await store.createRun(newRun('done'), now);
      await finish(store, done, now);
      const claims = await store.claimDueRuns('p1', now, TTL, 10);
      expect(claims).toEqual([{ run: expect.objectContaining({ id: 'due', lease: { holder: 'p1', token: 1, expiresAt: now + TTL } }), lease: { holder: 'p1', token: 1, expiresAt: now + TTL }, previousHolder: null, previousExpiresAt: null }]);
      expect(await store.claimDueRuns('p2', now, TTL, 10)).toEqual([]);
      expect(ids(await store.claimDueRuns('p2', now + 1, TTL, 10))).toEqual(['later']);
      expect(await store.claimDueRuns('p3', now + 100 * TTL, TTL, 10).then(ids)).toEqual(['due', 'later']);
      expect(await store.claimRun('done', 'p3', now + 100 * TTL, TTL)).toBeUndefined();
      expect((await store.claimRun('waiting', 'p3', now, TTL))?.lease).toEqual({ holder: 'p3', token: 1, expiresAt: now + TTL });
      expect(await store.claimRun('waiting', 'p1', now, TTL)).toBeUndefined();
      expect(await store.claimRun('nope', 'p1', now, TTL)).toBeUndefined();
    });

    it('fences saves: after a takeover the old holder is refused, and finishing releases the lease but keeps its token', async () => {
      const { store, clock } = await harness.freshStore(target);
      const now = clock.now();
      await store.createRun(newRun('r1'), now);
      const [first] = await store.claimDueRuns('p1', now, TTL, 10);
      expect(await store.saveRun('r1', first.run.revision, running(), now)).toBeUndefined();
      expect(await store.claimDueRuns('p2', now + TTL - 1, TTL, 10)).toEqual([]);
      const [takeover] = await store.claimDueRuns('p2', now + TTL, TTL, 10);
      expect(takeover).toMatchObject({ lease: { holder: 'p2', token: 2, expiresAt: now + 2 * TTL }, previousHolder: 'p1', previousExpiresAt: now + TTL });
      expect(await store.saveRun('r1', takeover.run.revision, running(), now + TTL, first.lease)).toBeUndefined();
      expect(await store.saveRun('r1', takeover.run.revision, running(), now + TTL, { holder: 'p2', token: 1 })).toBeUndefined();
      const saved = await store.saveRun('r1', takeover.run.revision, running({ steps: ['deploy'] }), now + TTL, takeover.lease);
      expect(saved).toMatchObject({ revision: 2, state: { steps: ['deploy'] }, lease: { holder: 'p2', token: 2 } });
      const ended = await finish(store, saved!, now + TTL);
      expect(ended).toMatchObject({ status: 'succeeded', wakeAt: null, finishedAt: now + TTL });
      expect(ended?.lease).toBeUndefined();
      expect(await store.claimDueRuns('p3', now + 100 * TTL, TTL, 10)).toEqual([]);
      // Made unfinished again (unleased: nobody holds it), it is leased work once more, with a greater token.
      expect(await store.saveRun('r1', ended!.revision, running({}, now), now + TTL)).toMatchObject({ status: 'running', finishedAt: null });
      expect((await store.claimDueRuns('p3', now + TTL, TTL, 10)).map((c) => c.lease.token)).toEqual([3]);
    });

    it('never lets two claimers claiming at once take the same run', async () => {
      const { store, other, clock } = await storesFor(target);
      for (let i = 0; i < 20; i++) await store.createRun(newRun(`r${i}`), clock.now());
      const rounds = await Promise.all(['p1', 'p2', 'p1', 'p2'].map((holder, i) => (i % 2 ? other : store).claimDueRuns(holder, clock.now(), TTL, 6)));
      const claimed = rounds.flatMap(ids);
      expect(claimed).toHaveLength(new Set(claimed).size);
      expect(new Set(claimed).size).toBe(20);
    });

    it('renews the leases still held, says which have events, releases due at once, and checks a lease', async () => {
      const { store, clock } = await harness.freshStore(target);
      const now = clock.now();
      await store.createRun(newRun('a', { wakeAt: now + 5 }), now);
      await store.createRun(newRun('b', { wakeAt: null }), now);
      await store.claimRun('a', 'p1', now, TTL);
      await store.claimRun('b', 'p1', now, TTL);
      await store.claimRun('b', 'p2', now + TTL, TTL);
      await store.postRunEvent('a', { type: 'cancel', actor: 'ann' });
      expect(await store.renewRunLeases('p1', [{ id: 'a', token: 1 }, { id: 'b', token: 1 }, { id: 'nope', token: 1 }], now + 100, TTL))
        .toEqual([{ id: 'a', lease: { holder: 'p1', token: 1, expiresAt: now + 100 + TTL }, wakeAt: now + 5, inbox: true }]);
      expect(await store.renewRunLeases('p2', [{ id: 'b', token: 2 }], now + 100, TTL)).toEqual([{ id: 'b', lease: { holder: 'p2', token: 2, expiresAt: now + 100 + TTL }, wakeAt: null, inbox: false }]);
      expect(await store.holdsRunLease('b', { holder: 'p2', token: 2 })).toBe(true);
      expect(await store.holdsRunLease('b', { holder: 'p1', token: 1 })).toBe(false);
      expect(await store.releaseRunLease('b', { holder: 'p1', token: 1 }, now)).toBe(false);
      expect(await store.releaseRunLease('b', { holder: 'p2', token: 2 }, now + 200)).toBe(true);
      expect(await store.getRun('b')).toMatchObject({ wakeAt: now + 200 });
      expect((await store.getRun('b'))?.lease).toBeUndefined();
      expect((await store.claimDueRuns('p3', now + 200, TTL, 10)).map((c) => [c.run.id, c.lease.token])).toEqual([['b', 3]]);
    });

    it('makes a run nobody holds due when an event is posted, and leaves a held run to its holder', async () => {
      const { store, clock } = await harness.freshStore(target);
      const now = clock.now();
      await store.createRun(newRun('approval', { status: 'awaiting_approval', wakeAt: null }), now);
      await store.createRun(newRun('timer', { wakeAt: now + 60_000 }), now);
      await store.createRun(newRun('held', { wakeAt: null }), now);
      await store.claimRun('held', 'p1', now, TTL);
      expect(await store.claimDueRuns('p2', now, TTL, 10)).toEqual([]);
      clock.advance(50);
      const first = await store.postRunEvent('approval', { type: 'approve', actor: 'ann' });
      const second = await store.postRunEvent('approval', { type: 'comment', actor: 'bob' }, now + 70);
      await store.postRunEvent('timer', { type: 'cancel', actor: 'ann' }, now + 30);
      await store.postRunEvent('held', { type: 'cancel', actor: 'ann' });
      expect(await store.getRun('approval')).toMatchObject({ wakeAt: now + 50, status: 'awaiting_approval' });
      expect(await store.getRun('timer')).toMatchObject({ wakeAt: now + 30 });
      expect(await store.getRun('held')).toMatchObject({ wakeAt: null });
      const claims = await store.claimDueRuns('p2', now + 50, TTL, 10);
      expect(ids(claims)).toEqual(['approval', 'timer']);
      expect(await store.listRunInbox('approval')).toEqual([{ id: first, payload: { type: 'approve', actor: 'ann' } }, { id: second, payload: { type: 'comment', actor: 'bob' } }]);
      expect(await store.listRunInbox('nope')).toEqual([]);
      // A finished run stays finished whatever is posted to it.
      const done = (await store.getRun('timer'))!;
      await finish(store, done, now + 60);
      await store.postRunEvent('timer', { type: 'retry', actor: 'ann' });
      expect(await store.getRun('timer')).toMatchObject({ wakeAt: null, status: 'succeeded' });
      expect(await store.claimDueRuns('p3', now + 100 * TTL, TTL, 10).then(ids)).toEqual(['approval', 'held']);
    });

    it('numbers log lines 1, 2, 3… per run in order, and reads them after a seq', async () => {
      const { store } = await harness.freshStore(target);
      const line = (runId: string, text: string, stream: 'stdout' | 'stderr' | 'system' = 'stdout') => ({ runId, step: 'checks', stream, line: text, ts: 1000 });
      await store.appendRunLogs([line('r1', 'one'), line('r2', 'other one'), line('r1', 'two', 'stderr')]);
      await store.appendRunLogs([]);
      await store.appendRunLogs([line('r1', 'three', 'system'), line('r2', 'other two')]);
      expect(await store.listRunLogs('r1')).toEqual([
        { runId: 'r1', seq: 1, step: 'checks', stream: 'stdout', line: 'one', ts: 1000 },
        { runId: 'r1', seq: 2, step: 'checks', stream: 'stderr', line: 'two', ts: 1000 },
        { runId: 'r1', seq: 3, step: 'checks', stream: 'system', line: 'three', ts: 1000 },
      ]);
      expect((await store.listRunLogs('r2')).map((l) => [l.seq, l.line])).toEqual([[1, 'other one'], [2, 'other two']]);
      expect((await store.listRunLogs('r1', { afterSeq: 1 })).map((l) => l.seq)).toEqual([2, 3]);
      expect((await store.listRunLogs('r1', { afterSeq: 0, limit: 2 })).map((l) => l.seq)).toEqual([1, 2]);
      expect(await store.listRunLogs('r1', { afterSeq: 3 })).toEqual([]);
    });

    it('keeps the lines of appends made at once whole and in order, numbered without gaps', async () => {
      const { store, other } = await storesFor(target);
      const appends = Array.from({ length: 20 }, (_, i) => ['a', 'b', 'c'].map((part) => ({ runId: 'r1', step: `s${i}`, stream: 'stdout' as const, line: `${i}${part}`, ts: i })));
      await Promise.all(appends.map((lines, i) => (i % 2 ? other : store).appendRunLogs(lines)));
      const logs = await store.listRunLogs('r1', { limit: 100 });
      expect(logs.map((l) => l.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      for (let i = 0; i < 60; i += 3) {
        const step = logs[i].step;
        expect(logs.slice(i, i + 3).map((l) => [l.step, l.line])).toEqual(['a', 'b', 'c'].map((part) => [step, `${step.slice(1)}${part}`]));
      }
      expect(new Set(logs.map((l) => l.step)).size).toBe(20);
    });

    it('records a webhook delivery once: a redelivery of the same id is told apart', async () => {
      const { store, other } = await storesFor(target);
      const results = await Promise.all(Array.from({ length: 5 }, (_, i) => (i % 2 ? other : store).recordWebhookDelivery('d-1', 'push', 1000 + i)));
      expect(results.filter((r) => r)).toEqual([true]);
      expect(await store.recordWebhookDelivery('d-1', 'push', 2000)).toBe(false);
      expect(await store.recordWebhookDelivery('d-2', 'pull_request', 2000)).toBe(true);
    });

    it('upserts repositories keeping when they were created, and deleting one forgets its branch heads', async () => {
      const { store, clock } = await harness.freshStore(target);
      const created = clock.now();
      expect(await store.upsertRepository(repository('r1'))).toEqual({ ...repository('r1'), createdAt: created, updatedAt: created });
      await store.upsertRepository(repository('r0', { app: 'other', kind: 'git', githubRepo: null, webhookSecret: null, pollIntervalMs: 30_000 }));
      clock.advance(1000);
      const changed = await store.upsertRepository(repository('r1', { url: '/srv/mirror/workshop', appDir: 'apps/workshop', pollIntervalMs: 5000, webhookSecret: null }));
      expect(changed).toEqual({ ...repository('r1', { url: '/srv/mirror/workshop', appDir: 'apps/workshop', pollIntervalMs: 5000, webhookSecret: null }), createdAt: created, updatedAt: created + 1000 });
      expect(await store.getRepository('r1')).toEqual(changed);
      expect(await store.getRepository('nope')).toBeUndefined();
      expect((await store.listRepositories()).map((r) => r.id)).toEqual(['r0', 'r1']);
      expect(await store.listRepositories('other')).toEqual([expect.objectContaining({ id: 'r0', kind: 'git', githubRepo: null, pollIntervalMs: 30_000 })]);

      await store.setBranchHead('r1', 'master', 'a'.repeat(40), 10);
      await store.setBranchHead('r1', 'feature-x', 'b'.repeat(40), 11);
      await store.setBranchHead('r1', 'master', 'c'.repeat(40), 12);
      await store.setBranchHead('r0', 'master', 'd'.repeat(40), 13);
      expect(await store.listBranchHeads('r1')).toEqual([
        { repoId: 'r1', branch: 'feature-x', sha: 'b'.repeat(40), updatedAt: 11 },
        { repoId: 'r1', branch: 'master', sha: 'c'.repeat(40), updatedAt: 12 },
      ]);
      await store.deleteBranchHead('r1', 'feature-x');
      expect((await store.listBranchHeads('r1')).map((h) => h.branch)).toEqual(['master']);

      expect(await store.deleteRepository('r1')).toBe(true);
      expect(await store.deleteRepository('r1')).toBe(false);
      expect(await store.getRepository('r1')).toBeUndefined();
      expect(await store.listBranchHeads('r1')).toEqual([]);
      expect((await store.listBranchHeads('r0')).map((h) => h.sha)).toEqual(['d'.repeat(40)]);
    });

    it('upserts previews keeping when they were created, lists them per app, and deletes one', async () => {
      const { store } = await harness.freshStore(target);
      const preview = { app: 'workshop', stage: 'feature-x', repoId: 'r1', branch: 'feature/x', pr: 12, headSha: SHA, lastActivityAt: 100, commentId: null, protected: true };
      await store.upsertPreview(preview, 100);
      await store.upsertPreview({ ...preview, stage: 'pr-3', branch: 'fix', pr: 3, protected: false }, 150);
      await store.upsertPreview({ ...preview, app: 'other' }, 160);
      expect(await store.getPreview('workshop', 'feature-x')).toEqual({ ...preview, createdAt: 100 });
      await store.upsertPreview({ ...preview, headSha: 'b'.repeat(40), lastActivityAt: 200, commentId: 9_007_199_254, protected: false }, 200);
      expect(await store.getPreview('workshop', 'feature-x')).toEqual({ ...preview, headSha: 'b'.repeat(40), lastActivityAt: 200, commentId: 9_007_199_254, protected: false, createdAt: 100 });
      expect((await store.listPreviews('workshop')).map((p) => [p.stage, p.pr, p.protected])).toEqual([['feature-x', 12, false], ['pr-3', 3, false]]);
      expect((await store.listPreviews()).map((p) => `${p.app}/${p.stage}`)).toEqual(['other/feature-x', 'workshop/feature-x', 'workshop/pr-3']);
      await store.deletePreview('workshop', 'feature-x');
      expect(await store.getPreview('workshop', 'feature-x')).toBeUndefined();
      expect((await store.listPreviews()).map((p) => `${p.app}/${p.stage}`)).toEqual(['other/feature-x', 'workshop/pr-3']);
    });

    it('keeps releases newest first, finds the newest of some stages by tree, and deletes a stage\'s', async () => {
      const { store } = await harness.freshStore(target);
      expect(await store.createRelease(release('rel-1', { runId: 'run-1' }), 100)).toEqual({ ...release('rel-1', { runId: 'run-1' }), createdAt: 100 });
      await store.createRelease(release('rel-2', { stage: 'prod' }), 200);
      await store.createRelease(release('rel-3', { treeSha: 't2', commitSha: null }), 300);
      await store.createRelease(release('rel-4', { stage: 'feature-x', treeSha: 't1' }), 400);
      await store.createRelease(release('rel-5', { app: 'other', treeSha: 't1' }), 500);
      expect((await store.listReleases({ app: 'workshop' })).map((r) => r.id)).toEqual(['rel-4', 'rel-3', 'rel-2', 'rel-1']);
      expect((await store.listReleases({ app: 'workshop', stage: 'staging' })).map((r) => r.id)).toEqual(['rel-3', 'rel-1']);
      expect((await store.listReleases({ app: 'workshop', limit: 1 })).map((r) => r.id)).toEqual(['rel-4']);
      expect(await store.findReleaseByTree('workshop', ['staging', 'prod'], 't1')).toEqual({ ...release('rel-2', { stage: 'prod' }), createdAt: 200 });
      expect((await store.findReleaseByTree('workshop', ['staging'], 't1'))?.id).toBe('rel-1');
      expect((await store.findReleaseByTree('workshop', ['staging'], 't2'))?.id).toBe('rel-3');
      expect(await store.findReleaseByTree('workshop', ['prod'], 't2')).toBeUndefined();
      expect(await store.findReleaseByTree('workshop', [], 't1')).toBeUndefined();
      await store.deleteReleases('workshop', 'staging');
      expect((await store.listReleases({ app: 'workshop' })).map((r) => r.id)).toEqual(['rel-4', 'rel-2']);
      expect((await store.listReleases({ app: 'other' })).map((r) => r.id)).toEqual(['rel-5']);
    });

    it('keeps the bundles a release lists when their versions are collected', async () => {
      const { store } = await harness.freshStore(target);
      const [kept, dropped] = ['a'.repeat(64), 'b'.repeat(64)];
      await store.putArtifact(kept, Buffer.from('kept'));
      await store.putArtifact(dropped, Buffer.from('dropped'));
      await store.createRelease(release('rel-1', { functionCode: { 'api.hello': kept } }), 100);
      expect(await store.deleteUnreferencedArtifacts()).toBe(1);
      expect((await store.getArtifact(kept))?.toString()).toBe('kept');
      expect(await store.getArtifact(dropped)).toBeUndefined();
      await store.deleteReleases('workshop', 'staging');
      expect(await store.deleteUnreferencedArtifacts()).toBe(1);
      expect(await store.getArtifact(kept)).toBeUndefined();
    });
  });
}
