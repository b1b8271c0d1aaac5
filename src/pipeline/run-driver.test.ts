// Pipeline runs as the driver runs them, in-process, against a real store (SQLite always, PostgreSQL when
// TEST_DATABASE_URL is set), a real git repository and real check processes. The runs use only steps that
// need no gateway (checkout, checks, approval, destroy of a preview that is gone); the engine's deploying
// parts are stubs that throw, so a run that tried to deploy would fail loudly.
//
// The checks are `node wait.mjs` from the fixture app: it notes `start <run> <pid> <cwd>` in a journal, then
// waits until the test creates `<run>.release` (or `release-all`), so a test decides when a check ends and
// never sleeps: it waits for the journal, for the run's signals, or for driver.idle().

import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { EventBus, FakeClock, systemClock, type Clock, type EngineContext, type RolloutDriver } from '../engine/index.js';
import { SluiceError } from '../errors/index.js';
import { createSecretBox } from '../secrets/index.js';
import type { EventRecord, NewRun, PipelineRunRecord, Store } from '../store/index.js';
import { StoreHarness, type StoreLocation, type StoreTargetName } from '../store/testing/store-harness.js';
import { createTestRepository, type TestRepository } from './git/git-test-repository.js';
import { KeyedLock } from './keyed-lock.js';
import type { PipelineContext } from './pipeline-context.js';
import { PipelineIntake } from './pipeline-intake.js';
import { RunDriver, type RunDriverOptions } from './run-driver.js';
import { RunSignals } from './run-log-writer.js';
import { initialRunState } from './run-state.js';
import type { RunState, StepName } from './types.js';

const harness = new StoreHarness(process.env.TEST_DATABASE_URL);
afterEach(() => harness.teardown());
afterAll(() => harness.dropSchemas());

const APP = 'shop';
const START = 1_700_000_000_000;
const REPO_ID = 'r1';

const WAIT_SCRIPT = `// A check the test controls: it notes that it started, then waits until the test releases it.
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
const control = process.env.CONTROL;
const id = process.env.SLUICE_RUN_ID;
const journal = join(control, 'journal');
appendFileSync(journal, \`start \${id} \${process.pid} \${process.cwd()}\\n\`);
console.log(\`checking run \${id}\`);
console.error('a warning on stderr');
const deadline = Date.now() + 30_000;
const timer = setInterval(() => {
  if (existsSync(join(control, \`\${id}.release\`)) || existsSync(join(control, 'release-all'))) {
    clearInterval(timer);
    appendFileSync(journal, \`end \${id}\\n\`);
    console.log('released');
  } else if (Date.now() > deadline) {
    process.exit(9);
  }
}, 15);
`;

interface JournalEntry {
  event: 'start' | 'end';
  id: string;
  pid: number;
  cwd: string;
}

/** One test's world: a store, the folder check commands report to, the drivers on it. */
interface World {
  target: StoreTargetName;
  store: Store;
  location: StoreLocation;
  clock: FakeClock;
  /** The check commands' journal and release files. */
  control: string;
  /** Warnings and errors the drivers logged, and calls to the engine parts no run here may use. */
  problems: string[];
  contexts: PipelineContext[];
}

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  harness.defer(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function world(target: StoreTargetName): Promise<World> {
  const clock = new FakeClock(START);
  const location = harness.createLocation(target);
  const store = await harness.openAt(location, () => clock.now());
  return { target, store, location, clock, control: await tempDir('sluice-control-'), problems: [], contexts: [] };
}

/** What a control-plane process gives its pipeline; `dir` is the process's home for mirrors and checkouts. */
function pipelineContext(w: World, options: { store?: Store; clock?: Clock; dir: string }): PipelineContext {
  const clock = options.clock ?? w.clock;
  const refuse = (what: string): never => {
    w.problems.push(`${what} was called`);
    throw new Error(`${what} was called, but no run in these tests deploys`);
  };
  const errorText = (fields: Record<string, unknown>) => (fields.err instanceof Error ? `: ${fields.err.message}` : '');
  const engine: EngineContext = {
    store: options.store ?? w.store,
    invoker: { invoke: async () => refuse('invoker.invoke') },
    events: new EventBus(),
    secrets: createSecretBox(randomBytes(32)),
    routing: { routingChanged: async () => refuse('routing.routingChanged') },
    gatewayUrl: 'http://127.0.0.1:9',
    env: {},
    region: 'local',
    now: () => clock.now(),
    log: {
      warn: (fields, message) => w.problems.push(`warn: ${message}${errorText(fields)}`),
      error: (fields, message) => w.problems.push(`error: ${message}${errorText(fields)}`),
    },
  };
  const rollouts = new Proxy({}, { get: (_target, name) => refuse(`rollouts.${String(name)}`) }) as RolloutDriver;
  const ctx: PipelineContext = {
    engine,
    rollouts,
    dir: options.dir,
    clock,
    mirrors: new KeyedLock(),
    signals: new RunSignals(),
    gitHost: null,
    apiUrl: () => 'http://127.0.0.1:9',
  };
  w.contexts.push(ctx);
  return ctx;
}

/** A started driver (a control-plane process), stopped at teardown. */
async function startDriver(w: World, options: RunDriverOptions & { store?: Store; clock?: Clock; dir?: string } = {}): Promise<{ driver: RunDriver; ctx: PipelineContext }> {
  const ctx = pipelineContext(w, { store: options.store, clock: options.clock, dir: options.dir ?? (await tempDir('sluice-pipeline-')) });
  const driver = new RunDriver(ctx, { holder: options.holder, leaseMs: options.leaseMs });
  harness.defer(() => driver.stop());
  await driver.start();
  return { driver, ctx };
}

const waitCheck = (w: World, extra: Record<string, unknown> = {}) => ({ name: 'wait', run: 'node wait.mjs', env: { CONTROL: w.control }, ...extra });

/** The fixture app in a fresh repository (pushed as `main`), connected as repository r1. */
async function appRepository(w: World, pipeline: Record<string, unknown>): Promise<{ repo: TestRepository; sha: string }> {
  const repo = await createTestRepository();
  harness.defer(() => repo.cleanup());
  const sha = await repo.commit({ 'sluice.app.yml': stringify({ app: APP, pipeline }), 'wait.mjs': WAIT_SCRIPT }, 'Add the shop app');
  await repo.push('HEAD:refs/heads/main');
  await w.store.upsertRepository({ id: REPO_ID, app: APP, kind: 'git', url: repo.origin, appDir: '.', githubRepo: null, webhookSecret: null, pollIntervalMs: 0 });
  return { repo, sha };
}

interface RunSpec {
  kind?: NewRun['kind'];
  steps?: StepName[];
  sha?: string | null;
  stage?: string | null;
  branch?: string;
  concurrency?: number;
  approval?: { required: boolean; preventSelfReview: boolean };
}

function newRun(spec: RunSpec): NewRun {
  const state: Record<string, unknown> = { ...initialRunState(spec.steps ?? ['checkout', 'checks'], spec.approval) };
  if (spec.concurrency !== undefined) state.concurrency = spec.concurrency;
  return {
    id: randomUUID(),
    app: APP,
    repoId: REPO_ID,
    kind: spec.kind ?? 'checks',
    branch: spec.branch ?? 'feature/basket',
    sha: spec.sha ?? null,
    pr: null,
    stage: spec.stage ?? null,
    fork: false,
    trigger: { source: 'git', event: 'push', actor: 'ada' },
    state,
  };
}

const stateOf = (run: PipelineRunRecord) => run.state as unknown as RunState;
const stepsOf = (run: PipelineRunRecord) => stateOf(run).steps.map((step) => [step.name, step.status]);

/** Resolves with the run once `done` holds; re-reads the store whenever any driver signals the run. */
async function waitForRun(w: World, id: string, done: (run: PipelineRunRecord) => boolean, what: string, timeoutMs = 15_000): Promise<PipelineRunRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Listen before reading, so a change between the read and the wait is not missed (the bound is a fallback).
    const changed = Promise.race(w.contexts.map((ctx) => ctx.signals.waitForChange(id, 250)));
    const run = await w.store.getRun(id);
    if (run && done(run)) return run;
    if (Date.now() > deadline) throw new Error(`run ${id} never ${what}: ${run?.status} ${JSON.stringify(run?.state)} reason ${run?.reason}`);
    await changed;
  }
}

const finishedAs = (status: PipelineRunRecord['status']) => (run: PipelineRunRecord) => run.status === status;

function journal(w: World): JournalEntry[] {
  const file = join(w.control, 'journal');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => {
    const [event, id, pid, cwd] = line.split(' ');
    return { event: event as JournalEntry['event'], id, pid: Number(pid), cwd };
  });
}

const starts = (w: World, id?: string) => journal(w).filter((entry) => entry.event === 'start' && (id === undefined || entry.id === id));

/** Waits until the run's check started `times` times (its journal line is written). */
async function checkStarted(w: World, id: string, times = 1): Promise<JournalEntry> {
  return vi.waitFor(() => {
    const found = starts(w, id);
    if (found.length < times) throw new Error(`the check of ${id} started ${found.length} of ${times} times`);
    return found[times - 1];
  }, { timeout: 15_000, interval: 20 });
}

const release = (w: World, id: string) => writeFileSync(join(w.control, `${id}.release`), '');

/** Whether the process is still there (a zombie nobody reaped counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function gone(pid: number): Promise<void> {
  await vi.waitFor(() => expect(alive(pid), `process ${pid} is still running`).toBe(false), { timeout: 3000, interval: 20 });
}

async function runEvents(w: World, id: string): Promise<EventRecord[]> {
  const events = await w.store.listEvents({ app: APP, limit: 1000 });
  return events.filter((event) => event.payload.runId === id);
}

describe.each(harness.targets)('pipeline runs on %s', (target) => {
  it('runs queued → running → succeeded, timing each step and storing the check output in order', async () => {
    const w = await world(target);
    const { sha } = await appRepository(w, { checks: [waitCheck(w)] });
    const { driver } = await startDriver(w);

    const queued = await driver.submit(newRun({ sha }));
    expect(queued.status).toBe('queued');
    await checkStarted(w, queued.id);
    const running = await w.store.getRun(queued.id);
    expect(running?.status).toBe('running');
    expect(stepsOf(running!)).toEqual([['checkout', 'succeeded'], ['checks', 'running']]);
    w.clock.advance(1500);
    release(w, queued.id);
    const done = await waitForRun(w, queued.id, finishedAs('succeeded'), 'succeeded');
    await driver.idle();

    expect(done.reason).toBeNull();
    expect(done.finishedAt).toBe(START + 1500);
    const [checkout, checks] = stateOf(done).steps;
    expect(checkout).toMatchObject({ name: 'checkout', status: 'succeeded', startedAt: START, finishedAt: START, detail: `${sha.slice(0, 7)} Add the shop app` });
    expect(checks).toMatchObject({ name: 'checks', status: 'succeeded', startedAt: START, finishedAt: START + 1500, detail: '1 check passed' });
    expect(stateOf(done).commit).toMatchObject({ author: 'Ada Tester', authorEmail: 'ada@example.test' });

    const logs = await w.store.listRunLogs(queued.id);
    expect(logs.map((line) => line.seq)).toEqual(logs.map((_, index) => index + 1));
    const text = (stream: string) => logs.filter((line) => line.stream === stream).map((line) => line.line);
    expect(text('stdout')).toEqual([`checking run ${queued.id}`, 'released']);
    expect(text('stderr')).toEqual(['a warning on stderr']);
    const position = (find: (line: (typeof logs)[number]) => boolean) => logs.findIndex(find);
    const command = position((line) => line.line === '$ node wait.mjs');
    const firstOutput = position((line) => line.stream !== 'system' && line.step === 'checks');
    const passed = position((line) => /^wait passed in \d+\.\ds$/.test(line.line));
    expect(position((line) => line.line.startsWith('Fetching '))).toBe(0);
    expect(position((line) => line.line.startsWith(`Checked out ${sha.slice(0, 7)}`))).toBeLessThan(command);
    expect(command).toBeGreaterThan(0);
    expect(firstOutput).toBeGreaterThan(command);
    expect(passed).toBeGreaterThan(position((line) => line.line === 'released'));
    expect(logs.at(-1)).toMatchObject({ step: 'run', stream: 'system', line: 'Run succeeded' });

    const events = await runEvents(w, queued.id);
    expect(events.map((event) => event.type)).toEqual(['run.started', 'run.succeeded']);
    expect(events[0]).toMatchObject({ actor: 'ada', commitSha: sha, payload: { kind: 'checks', branch: 'feature/basket', number: 1 } });
    expect(existsSync(driver.steps.checkoutDir(done)), 'the checkout is removed once the run finished').toBe(false);
    expect(w.problems).toEqual([]);
  });

  it('fails the run when a check fails: the reason names the check and its exit code, the rest is skipped', async () => {
    const w = await world(target);
    const marker = join(w.control, 'second-check-ran');
    const { sha } = await appRepository(w, {
      checks: [
        { name: 'unit', run: 'echo "2 tests failed"; exit 3' },
        { name: 'lint', run: `touch ${JSON.stringify(marker)}` },
      ],
    });
    const { driver } = await startDriver(w);

    const run = await driver.submit(newRun({ sha, kind: 'branch', stage: 'staging', steps: ['checkout', 'checks', 'deploy'] }));
    const failed = await waitForRun(w, run.id, finishedAs('failed'), 'failed');
    await driver.idle();

    expect(failed.reason).toBe('checks failed: unit failed (exit 3)');
    expect(stepsOf(failed)).toEqual([['checkout', 'succeeded'], ['checks', 'failed'], ['deploy', 'skipped']]);
    expect(stateOf(failed).steps[1].detail).toBe('unit failed (exit 3)');
    expect(stateOf(failed).steps[2]).toMatchObject({ startedAt: null, finishedAt: null });
    expect(existsSync(marker), 'no check runs after a failed one').toBe(false);
    const logs = (await w.store.listRunLogs(run.id)).map((line) => line.line);
    expect(logs).toContain('2 tests failed');
    expect(logs).toContain('Failed: unit failed (exit 3)');
    expect(logs.at(-1)).toBe('Run failed: checks failed: unit failed (exit 3)');
    expect((await runEvents(w, run.id)).map((event) => [event.type, event.payload.reason ?? null])).toEqual([
      ['run.started', null],
      ['run.failed', 'checks failed: unit failed (exit 3)'],
    ]);
    expect(w.problems).toEqual([]);
  });

  it('fails a check that overruns its timeout and kills what it started', async () => {
    const w = await world(target);
    const pidFile = join(w.control, 'sleep.pid');
    const { sha } = await appRepository(w, {
      checks: [{ name: 'slow', run: `sleep 1000 & echo $! > ${JSON.stringify(pidFile)}; wait`, timeout: '1s' }],
    });
    const { driver } = await startDriver(w);

    const run = await driver.submit(newRun({ sha }));
    const failed = await waitForRun(w, run.id, finishedAs('failed'), 'failed');
    await driver.idle();

    expect(failed.reason).toBe('checks failed: slow timed out after 1s');
    expect(stepsOf(failed)).toEqual([['checkout', 'succeeded'], ['checks', 'failed']]);
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    expect(sleeper).toBeGreaterThan(0);
    await gone(sleeper);
    expect(w.problems).toEqual([]);
  });

  it('cancels a run while its check runs: the check is killed, the run ends canceled with the reason', async () => {
    const w = await world(target);
    const pidFile = join(w.control, 'child.pid');
    const { sha } = await appRepository(w, {
      checks: [{ name: 'wait', run: `sleep 1000 & echo $! > ${JSON.stringify(pidFile)}; node wait.mjs`, env: { CONTROL: w.control } }],
    });
    const { driver } = await startDriver(w);

    const run = await driver.submit(newRun({ sha, kind: 'branch', stage: 'staging', steps: ['checkout', 'checks', 'deploy'] }));
    const check = await checkStarted(w, run.id);
    w.clock.advance(700);
    await driver.command(run.id, { type: 'cancel', by: 'alice', reason: 'canceled by alice' });
    const canceled = await waitForRun(w, run.id, finishedAs('canceled'), 'was canceled');
    await driver.idle();

    expect(canceled.reason).toBe('canceled by alice');
    expect(stepsOf(canceled)).toEqual([['checkout', 'succeeded'], ['checks', 'canceled'], ['deploy', 'skipped']]);
    expect(stateOf(canceled).steps[1]).toMatchObject({ startedAt: START, finishedAt: START + 700 });
    await gone(check.pid);
    await gone(Number(readFileSync(pidFile, 'utf8')));
    expect(journal(w).filter((entry) => entry.event === 'end')).toEqual([]);
    const logs = (await w.store.listRunLogs(run.id)).map((line) => line.line);
    expect(logs).toContain('Canceled: canceled by alice');
    const events = await runEvents(w, run.id);
    expect(events.map((event) => [event.type, event.actor])).toEqual([['run.started', 'ada'], ['run.canceled', 'alice']]);
    expect(events[1].payload).toMatchObject({ reason: 'canceled by alice', status: 'canceled' });
    await expect(driver.command(run.id, { type: 'cancel', by: 'alice', reason: 'again' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(w.problems).toEqual([]);
  });

  it('holds runs beyond the app concurrency in the queue and runs them one after another; a destroy is not held', async () => {
    const w = await world(target);
    const { sha } = await appRepository(w, { checks: [waitCheck(w)] });
    // How often runs ask for a slot (the driver counts the app's running runs, one way or the other).
    const countSpy = vi.spyOn(w.store, 'countRuns');
    const listSpy = vi.spyOn(w.store, 'listRuns');
    const slotQueries = () => countSpy.mock.calls.length + listSpy.mock.calls.length;
    const { driver } = await startDriver(w);

    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await driver.submit(newRun({ sha, concurrency: 1 }))).id);
    const statuses = async () => Promise.all(ids.map(async (id) => (await w.store.getRun(id))!.status));
    // Every run asked for a slot (one count each) and the first one's check is under way.
    await vi.waitFor(() => expect(slotQueries()).toBeGreaterThanOrEqual(3), { timeout: 10_000, interval: 20 });
    const first = await vi.waitFor(() => {
      const started = starts(w);
      if (started.length === 0) throw new Error('no check started yet');
      return started[0].id;
    }, { timeout: 15_000, interval: 20 });
    expect((await statuses()).sort()).toEqual(['queued', 'queued', 'running']);
    expect((await w.store.getRun(first))!.status).toBe('running');

    // A destroy run takes no slot: it runs to its end while the app's only slot is taken.
    const destroy = await driver.submit(newRun({ kind: 'destroy', steps: ['destroy'], stage: 'feature-gone', sha: null, concurrency: 1 }));
    const destroyed = await waitForRun(w, destroy.id, (run) => run.status === 'succeeded' || run.status === 'failed', 'finished');
    expect(destroyed.status).toBe('succeeded');
    expect(stateOf(destroyed).steps[0].detail).toBe('feature-gone was already gone');
    expect((await statuses()).sort()).toEqual(['queued', 'queued', 'running']);

    const order = [first];
    for (let turn = 0; turn < 3; turn++) {
      const current = order[turn];
      release(w, current);
      await waitForRun(w, current, finishedAs('succeeded'), 'succeeded');
      if (turn === 2) break;
      const next = await vi.waitFor(() => {
        const started = starts(w).map((entry) => entry.id).filter((id) => !order.includes(id));
        if (started.length === 0) throw new Error('the next run has not started');
        return started[0];
      }, { timeout: 15_000, interval: 20 });
      order.push(next);
      expect((await statuses()).filter((status) => status === 'running')).toHaveLength(1);
    }
    await driver.idle();

    expect(await statuses()).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect([...order].sort()).toEqual([...ids].sort());
    // One after another: each check ended before the next one started.
    expect(journal(w).map((entry) => `${entry.event} ${entry.id}`)).toEqual(order.flatMap((id) => [`start ${id}`, `end ${id}`]));
    // A queued run asks for a slot when one may have been freed, not in a loop while it waits.
    expect(slotQueries()).toBeLessThan(30);
    expect(w.problems).toEqual([]);
  });

  it('counts no destroy under way against the app concurrency', async () => {
    const w = await world(target);
    const { sha } = await appRepository(w, { checks: [waitCheck(w)] });
    // A preview being destroyed (by another process: nothing here picks it up) while a push arrives.
    const destroying = { ...newRun({ kind: 'destroy', steps: ['destroy'], stage: 'feature-old', concurrency: 1 }), status: 'running' as const, wakeAt: null };
    await w.store.createRun(destroying, w.clock.now());
    const { driver } = await startDriver(w);

    const run = await driver.submit(newRun({ sha, concurrency: 1 }));
    await checkStarted(w, run.id);
    expect((await w.store.getRun(run.id))?.status).toBe('running');
    release(w, run.id);
    await waitForRun(w, run.id, finishedAs('succeeded'), 'succeeded');
    await driver.idle();
    expect((await w.store.getRun(destroying.id))?.status).toBe('running');
    expect(w.problems).toEqual([]);
  });

  it('loses the lines of a log write that failed, not the run', async () => {
    const w = await world(target);
    const { sha } = await appRepository(w, { checks: [waitCheck(w)] });
    vi.spyOn(w.store, 'appendRunLogs').mockRejectedValueOnce(new Error('disk full'));
    const { driver } = await startDriver(w);

    const run = await driver.submit(newRun({ sha }));
    await checkStarted(w, run.id);
    release(w, run.id);
    const done = await waitForRun(w, run.id, finishedAs('succeeded'), 'succeeded');
    await driver.idle();

    expect(stepsOf(done)).toEqual([['checkout', 'succeeded'], ['checks', 'succeeded']]);
    expect(w.problems).toEqual(['warn: storing run log lines failed; those lines are lost: disk full']);
    const logs = await w.store.listRunLogs(run.id);
    expect(logs.map((line) => line.seq)).toEqual(logs.map((_, index) => index + 1));
    expect(logs.at(-1)?.line).toBe('Run succeeded');
  });

  it('waits for an approver: approve → succeeded, reject → rejected; decisions on other runs are refused', async () => {
    const w = await world(target);
    const { sha } = await appRepository(w, { checks: [waitCheck(w)] });
    const { driver } = await startDriver(w);
    const approval = { required: true, preventSelfReview: false };

    const approved = await driver.submit(newRun({ kind: 'branch', stage: 'prod', steps: ['approval'], approval }));
    const waiting = await waitForRun(w, approved.id, finishedAs('awaiting_approval'), 'awaited approval');
    await driver.idle();
    expect(stepsOf(waiting)).toEqual([['approval', 'pending']]);
    expect((await w.store.getRun(approved.id))!.status).toBe('awaiting_approval');
    w.clock.advance(2000);
    await driver.command(approved.id, { type: 'approve', by: 'bob', comment: null });
    const done = await waitForRun(w, approved.id, finishedAs('succeeded'), 'succeeded');
    await driver.idle();
    expect(stateOf(done).approval).toEqual({ ...approval, decision: 'approved', by: 'bob', at: START + 2000, comment: null });
    expect(stateOf(done).steps[0]).toMatchObject({ status: 'succeeded', detail: 'approved by bob', finishedAt: START + 2000 });
    expect((await runEvents(w, approved.id)).map((event) => [event.type, event.actor])).toEqual([
      ['run.started', 'ada'], ['run.approved', 'bob'], ['run.succeeded', 'sluice'],
    ]);

    const rejected = await driver.submit(newRun({ kind: 'branch', stage: 'prod', steps: ['approval'], approval }));
    await waitForRun(w, rejected.id, finishedAs('awaiting_approval'), 'awaited approval');
    await driver.command(rejected.id, { type: 'reject', by: 'carol', comment: 'not this week' });
    const no = await waitForRun(w, rejected.id, finishedAs('rejected'), 'was rejected');
    expect(no.reason).toBe('Rejected by carol: not this week');
    expect(stateOf(no).approval).toMatchObject({ decision: 'rejected', by: 'carol', comment: 'not this week' });
    expect(stateOf(no).steps[0]).toMatchObject({ status: 'failed', detail: 'rejected by carol' });

    const late = await driver.command(approved.id, { type: 'approve', by: 'dan', comment: null }).catch((error: unknown) => error);
    expect(late).toBeInstanceOf(SluiceError);
    expect(late).toMatchObject({ code: 'CONFLICT', message: 'Run #1 already succeeded.' });

    const checking = await driver.submit(newRun({ sha }));
    await checkStarted(w, checking.id);
    const early = await driver.command(checking.id, { type: 'approve', by: 'bob', comment: null }).catch((error: unknown) => error);
    expect(early).toMatchObject({ code: 'CONFLICT', message: 'Run #3 is running, not awaiting approval.' });
    expect(await w.store.listRunInbox(checking.id)).toEqual([]);
    release(w, checking.id);
    const checked = await waitForRun(w, checking.id, finishedAs('succeeded'), 'succeeded');
    expect(stateOf(checked).approval).toBeUndefined();
    await driver.idle();
    expect(w.problems).toEqual([]);
  });

  it.each([
    ['the same holder', true],
    ['another holder', false],
  ])('resumes a run after a restart under %s: the interrupted step runs again', async (_name, sameHolder) => {
    const w = await world(target);
    const { sha } = await appRepository(w, { checks: [waitCheck(w)] });
    const home = await tempDir('sluice-home-');
    const first = await startDriver(w, { holder: 'cp-1', dir: home });

    const run = await first.driver.submit(newRun({ sha }));
    const interrupted = await checkStarted(w, run.id);
    await first.driver.stop();
    await gone(interrupted.pid);
    const handedBack = await w.store.getRun(run.id);
    expect(handedBack?.status).toBe('running');
    expect(handedBack?.lease, 'stop() hands the lease back').toBeUndefined();
    expect(stepsOf(handedBack!)).toEqual([['checkout', 'succeeded'], ['checks', 'running']]);

    const second = await startDriver(w, { holder: sameHolder ? 'cp-1' : 'cp-2', dir: home });
    await checkStarted(w, run.id, 2);
    release(w, run.id);
    const done = await waitForRun(w, run.id, finishedAs('succeeded'), 'succeeded');
    await second.driver.idle();

    expect(stepsOf(done)).toEqual([['checkout', 'succeeded'], ['checks', 'succeeded']]);
    const logs = (await w.store.listRunLogs(run.id)).map((line) => line.line);
    expect(logs.filter((line) => line === 'The control plane restarted during this step: running it again.')).toHaveLength(1);
    expect(starts(w, run.id)).toHaveLength(2);
    expect(journal(w).filter((entry) => entry.event === 'end')).toHaveLength(1);
    expect((await runEvents(w, run.id)).map((event) => event.type)).toEqual(['run.started', 'run.succeeded']);
    expect(await w.store.countRuns({ app: APP, statuses: ['queued', 'running', 'awaiting_approval'] })).toBe(0);
    expect(w.problems).toEqual([]);
  });

  it('cancels the older run of a branch when a newer push arrives (intake supersede)', async () => {
    const w = await world(target);
    const { repo } = await appRepository(w, {
      checks: [waitCheck(w)],
      previews: { branches: ['feature/*'] },
      branches: { main: 'staging' },
    });
    const { driver, ctx } = await startDriver(w);
    const intake = new PipelineIntake(ctx, driver);
    const push = async (message: string, before: string | null) => {
      const sha = await repo.commit({ 'CHANGELOG.md': `${message}\n` }, message);
      await repo.push('HEAD:refs/heads/docs/typo');
      return { sha, runs: await intake.handle({ type: 'push', repoId: REPO_ID, actor: 'ada', source: 'git', branch: 'docs/typo', sha, before }) };
    };

    const one = await push('Fix a typo', null);
    expect(one.runs.map((run) => [run.kind, run.stage, run.sha])).toEqual([['checks', null, one.sha]]);
    const older = one.runs[0];
    const check = await checkStarted(w, older.id);
    const two = await push('Fix another typo', one.sha);
    expect(two.runs).toHaveLength(1);
    const newer = two.runs[0];

    const superseded = await waitForRun(w, older.id, finishedAs('canceled'), 'was canceled');
    expect(superseded.reason).toBe(`superseded by a newer push (${two.sha.slice(0, 7)})`);
    expect(stepsOf(superseded)).toEqual([['checkout', 'succeeded'], ['checks', 'canceled']]);
    await gone(check.pid);
    await checkStarted(w, newer.id);
    release(w, newer.id);
    const done = await waitForRun(w, newer.id, finishedAs('succeeded'), 'succeeded');
    await driver.idle();
    expect(done).toMatchObject({ sha: two.sha, branch: 'docs/typo', kind: 'checks', number: 2 });
    expect((await runEvents(w, older.id)).map((event) => [event.type, event.actor])).toEqual([['run.started', 'ada'], ['run.canceled', 'sluice']]);
    expect(w.problems).toEqual([]);
  });

  describe.runIf(target === 'postgres')('two control-plane processes on one database', () => {
    it('runs every step of six runs exactly once between them', async () => {
      const w = await world(target);
      const { sha } = await appRepository(w, { checks: [waitCheck(w)] });
      const other = await harness.openAt(w.location, () => Date.now());
      // Real time: each process claims on its own passes too. Leases long enough that a busy machine never
      // lets one expire (a takeover would run a step again: at least once is the guarantee, not exactly once).
      const a = await startDriver(w, { holder: 'cp-a', clock: systemClock, leaseMs: 2000 });
      const b = await startDriver(w, { holder: 'cp-b', store: other, clock: systemClock, leaseMs: 2000 });

      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await (i % 2 === 0 ? a : b).driver.submit(newRun({ sha, concurrency: 6 }))).id);
      await vi.waitFor(() => expect(starts(w)).toHaveLength(6), { timeout: 20_000, interval: 20 });
      writeFileSync(join(w.control, 'release-all'), '');
      for (const id of ids) await waitForRun(w, id, finishedAs('succeeded'), 'succeeded', 20_000);
      await Promise.all([a.driver.idle(), b.driver.idle()]);

      const entries = journal(w);
      for (const id of ids) {
        expect(entries.filter((entry) => entry.id === id).map((entry) => entry.event)).toEqual(['start', 'end']);
      }
      const byA = starts(w).filter((entry) => entry.cwd.startsWith(a.ctx.dir)).length;
      const byB = starts(w).filter((entry) => entry.cwd.startsWith(b.ctx.dir)).length;
      expect(byA + byB).toBe(6);
      expect(byA, `cp-a ran ${byA}, cp-b ran ${byB}`).toBeGreaterThan(0);
      expect(byB, `cp-a ran ${byA}, cp-b ran ${byB}`).toBeGreaterThan(0);
      const events = (await w.store.listEvents({ app: APP, limit: 1000 })).map((event) => event.type);
      expect(events.filter((type) => type === 'run.started')).toHaveLength(6);
      expect(events.filter((type) => type === 'run.succeeded')).toHaveLength(6);
      expect(events.filter((type) => type === 'lease.takeover')).toHaveLength(0);
      expect(w.problems).toEqual([]);
    });

    it('takes over the run of a process that died mid-check and finishes it; the dead one cannot write', async () => {
      const w = await world(target);
      const { sha } = await appRepository(w, { checks: [waitCheck(w)] });
      // Each process has its own clock: the "dead" one's never moves, so it neither renews nor notices.
      const deadClock = new FakeClock(START);
      const liveClock = new FakeClock(START);
      const deadStore = await harness.openAt(w.location, () => deadClock.now());
      const liveStore = await harness.openAt(w.location, () => liveClock.now());
      const dead = await startDriver(w, { holder: 'cp-dead', store: deadStore, clock: deadClock, leaseMs: 400 });
      const run = await dead.driver.submit(newRun({ sha }));
      const first = await checkStarted(w, run.id);
      expect(first.cwd.startsWith(dead.ctx.dir)).toBe(true);
      expect((await w.store.getRun(run.id))?.lease?.holder).toBe('cp-dead');

      // A second process on its own machine (its own home: no checkout of this run there).
      const live = await startDriver(w, { holder: 'cp-live', store: liveStore, clock: liveClock, leaseMs: 400 });
      expect((await w.store.getRun(run.id))?.lease?.holder, 'a live lease is not taken').toBe('cp-dead');
      // Its first timed pass runs at +100 ms, while cp-dead's lease (claimed at +0 for 300 ms) still holds.
      liveClock.advance(400);
      await live.driver.idle();
      expect((await w.store.getRun(run.id))?.lease?.holder, 'a lease that has not run out is not taken').toBe('cp-dead');
      // The next pass comes after the lease ran out: cp-live takes the run over and runs the check again.
      liveClock.advance(100);
      const second = await checkStarted(w, run.id, 2).catch(async (error: unknown) => {
        const stuck = await w.store.getRun(run.id);
        throw new Error(`${String(error)}; the run is ${stuck?.status}: ${stuck?.reason}`);
      });
      expect(second.cwd.startsWith(live.ctx.dir)).toBe(true);
      expect((await w.store.getRun(run.id))?.lease?.holder).toBe('cp-live');

      // Both checks end; the dead process's late write is fenced off, the live one finishes the run.
      release(w, run.id);
      const done = await waitForRun(w, run.id, finishedAs('succeeded'), 'succeeded');
      await live.driver.idle();
      await dead.driver.idle();
      expect(stepsOf(done)).toEqual([['checkout', 'succeeded'], ['checks', 'succeeded']]);
      const after = await w.store.getRun(run.id);
      expect(after?.revision).toBe(done.revision);
      const events = await runEvents(w, run.id);
      expect(events.map((event) => event.type)).toEqual(['run.started', 'lease.takeover', 'run.succeeded']);
      expect(events[1].payload).toMatchObject({ previousHolder: 'cp-dead', holder: 'cp-live' });
      const logs = (await w.store.listRunLogs(run.id)).map((line) => line.line);
      expect(logs).toContain('The control plane restarted during this step: running it again.');
      expect(logs).toContain('The checkout of this run is not on this machine: checking the commit out again.');
      expect(journal(w).filter((entry) => entry.event === 'end')).toHaveLength(2);
      expect(w.problems).toEqual([]);
    });
  });
});
