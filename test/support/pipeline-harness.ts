// What the pipeline's end-to-end tests share: a bare git remote with a clone holding the pipeline fixture app
// (git run through execFile, never a shell), and a client for a running control plane that waits for runs on
// the server's long poll instead of sleeping.

import { execFile } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PipelineRunRecord, RunLogLine } from '../../src/store/index.js';
import { ROOT, tempDir } from './sluice-process.js';

export const run = promisify(execFile);
export const PIPELINE_FIXTURE = join(ROOT, 'test', 'fixtures', 'pipeline-app');
export const TERMINAL_RUN_STATUSES = ['succeeded', 'failed', 'canceled', 'rejected'];
/** What a derived stage name must look like (the store's and the gateway's rule). */
export const STAGE_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const ALICE = { GIT_AUTHOR_NAME: 'Alice', GIT_AUTHOR_EMAIL: 'alice@example.com', GIT_COMMITTER_NAME: 'Alice', GIT_COMMITTER_EMAIL: 'alice@example.com' };

export interface ShopRepository {
  /** The temp folder holding the remote and the clone. */
  dir: string;
  /** The bare remote (`shop.git`). */
  remote: string;
  /** A clone of it with the fixture app committed on master. */
  work: string;
  git(...args: string[]): Promise<string>;
  /** Writes `api/src/edition.mjs` in the clone. */
  setEdition(edition: string): Promise<void>;
  /** Rewrites `sluice.app.yml` in the clone (not committed). */
  editManifest(edit: (text: string) => string): Promise<void>;
  remove(): Promise<void>;
}

/** A bare remote and a clone with the fixture app, committed on master; pushed unless `push: false`. */
export async function shopRepository(prefix: string, options: { push?: boolean; manifest?: (text: string) => string } = {}): Promise<ShopRepository> {
  const dir = await tempDir(prefix);
  const remote = join(dir.path, 'shop.git');
  const work = join(dir.path, 'work');
  const git = async (...args: string[]) => (await run('git', args, { cwd: work, env: { ...process.env, ...ALICE } })).stdout.trim();
  const manifestPath = join(work, 'sluice.app.yml');
  const repo: ShopRepository = {
    dir: dir.path,
    remote,
    work,
    git,
    setEdition: (edition) => writeFile(join(work, 'api', 'src', 'edition.mjs'), `export const EDITION = '${edition}';\n`),
    editManifest: async (edit) => writeFile(manifestPath, edit(await readFile(manifestPath, 'utf8'))),
    remove: dir.remove,
  };
  try {
    await run('git', ['init', '--quiet', '--bare', '--initial-branch=master', remote]);
    await run('git', ['clone', '--quiet', remote, work]);
    await cp(PIPELINE_FIXTURE, work, { recursive: true });
    if (options.manifest) await repo.editManifest(options.manifest);
    await git('checkout', '--quiet', '-B', 'master');
    await git('add', '-A');
    await git('commit', '--quiet', '-m', 'Shop, first edition');
    if (options.push !== false) await git('push', '--quiet', 'origin', 'master');
  } catch (error) {
    await dir.remove();
    throw error;
  }
  return repo;
}

export interface ApiError extends Error {
  status: number;
  body: { error?: { code: string; message: string } };
}

export interface PipelineClient {
  api<T>(path: string, init?: RequestInit): Promise<T>;
  /** The raw response, for tests of refusals. */
  request(path: string, init?: RequestInit): Promise<Response>;
  runs(): Promise<PipelineRunRecord[]>;
  /** Waits for the newest run matching `match` to reach one of `statuses`. */
  waitForRun(match: (r: PipelineRunRecord) => boolean, statuses?: string[], timeoutMs?: number): Promise<PipelineRunRecord>;
  /** Waits until `done(runs)` holds, long-polling an unfinished run between looks. */
  waitForRuns(done: (runs: PipelineRunRecord[]) => boolean, what: string, timeoutMs?: number): Promise<PipelineRunRecord[]>;
  logsOf(r: PipelineRunRecord): Promise<string>;
}

/** A client of the control plane at `api()` (read at each call: a restarted plane has a new port). */
export function pipelineClient(api: () => string, options: { token?: string; app?: string } = {}): PipelineClient {
  const app = options.app ?? 'shop';
  const auth: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const request = (path: string, init: RequestInit = {}) =>
    fetch(`${api()}${path}`, { ...init, headers: { 'content-type': 'application/json', ...auth, ...(init.headers as Record<string, string> | undefined) } });

  async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await request(path, init);
    const body = (await response.json()) as T & ApiError['body'];
    if (!response.ok) throw Object.assign(new Error(`${response.status} ${body.error?.code}: ${body.error?.message}`), { status: response.status, body });
    return body;
  }

  const runs = async () => (await call<{ runs: PipelineRunRecord[] }>(`/api/runs?app=${app}&limit=500`)).runs;
  const describe = (list: PipelineRunRecord[]) => JSON.stringify(list.map((r) => [r.number, r.kind, r.branch, r.stage, r.status, r.reason]));
  const waitOn = async (list: PipelineRunRecord[]) => {
    const unfinished = list.find((r) => !TERMINAL_RUN_STATUSES.includes(r.status));
    if (unfinished) await call(`/api/runs/${unfinished.id}/logs?after=1000000&wait=1000`);
    else await new Promise((resolve) => setTimeout(resolve, 50));
  };

  return {
    api: call,
    request,
    runs,
    async waitForRun(match, statuses = TERMINAL_RUN_STATUSES, timeoutMs = 45_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const list = await runs();
        const found = list.find(match);
        if (found && statuses.includes(found.status)) return found;
        if (Date.now() > deadline) throw new Error(`no run reached ${statuses.join('|')}; runs: ${describe(list)}`);
        await waitOn(found && !TERMINAL_RUN_STATUSES.includes(found.status) ? [found] : list);
      }
    },
    async waitForRuns(done, what, timeoutMs = 45_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const list = await runs();
        if (done(list)) return list;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; runs: ${describe(list)}`);
        await waitOn(list);
      }
    },
    async logsOf(r) {
      return (await call<{ lines: RunLogLine[] }>(`/api/runs/${r.id}/logs`)).lines.map((l) => `[${l.step}] ${l.line}`).join('\n');
    },
  };
}

/** Polls `check` (bounded) until it returns a value other than undefined. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** GET a preview's hello function: its status, and its body when it answered 200. */
export async function hello(url: string): Promise<{ status: number; body: { edition: string; env: string } | null }> {
  const response = await fetch(url);
  const text = await response.text();
  return { status: response.status, body: response.status === 200 ? (JSON.parse(text) as { edition: string; env: string }) : null };
}
