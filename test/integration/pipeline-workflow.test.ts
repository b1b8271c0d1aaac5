// The seed workflow end to end, with real git and a real `sluice up`: a bare remote, a clone, pushes that the
// control plane hears through its notify hook. A branch gets checks and a preview (updated on the next push,
// the old commit's immutable URL still answering, destroyed with the branch); master deploys staging; prod
// waits for an approver, then promotes staging's exact bundles as a canary; a revert on prod brings back the
// previous release.

import { execFile } from 'node:child_process';
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineRunRecord, RunLogLine } from '../../src/store/index.js';
import { openStore } from '../../src/store/index.js';
import { ROOT, startUp, tempDir, type RunningControlPlane } from '../support/sluice-process.js';

const run = promisify(execFile);
const FIXTURE = join(ROOT, 'test', 'fixtures', 'pipeline-app');
const ALICE = { GIT_AUTHOR_NAME: 'Alice', GIT_AUTHOR_EMAIL: 'alice@example.com', GIT_COMMITTER_NAME: 'Alice', GIT_COMMITTER_EMAIL: 'alice@example.com' };
const TERMINAL = ['succeeded', 'failed', 'canceled', 'rejected'];

let plane: RunningControlPlane;
let home: Awaited<ReturnType<typeof tempDir>>;
let repos: Awaited<ReturnType<typeof tempDir>>;
let remote: string;
let work: string;
let repoId: string;
const tokens = new Map<string, string>();
let admin: string | undefined;

const git = async (...args: string[]) => (await run('git', args, { cwd: work, env: { ...process.env, ...ALICE } })).stdout.trim();

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  // Once tokens exist the API asks for one: the test's admin token from then on.
  const auth: Record<string, string> = admin ? { authorization: `Bearer ${admin}` } : {};
  const response = await fetch(`${plane.api}${path}`, { ...init, headers: { 'content-type': 'application/json', ...auth, ...init.headers } });
  const body = (await response.json()) as T & { error?: { code: string; message: string } };
  if (!response.ok) throw Object.assign(new Error(`${response.status} ${body.error?.code}: ${body.error?.message}`), { body });
  return body;
}

/** Pushes and tells the control plane, as a post-receive hook would. */
async function push(...args: string[]): Promise<void> {
  await git('push', 'origin', ...args);
  await api(`/hooks/git/${repoId}`, { method: 'POST' });
}

const runs = async () => (await api<{ runs: PipelineRunRecord[] }>('/api/runs?app=shop')).runs;

/** Waits (on the server's long poll, no fixed sleeps) for the newest run matching `match` to reach `status`. */
async function waitForRun(match: (r: PipelineRunRecord) => boolean, statuses: string[] = TERMINAL, timeoutMs = 60_000): Promise<PipelineRunRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await runs()).find(match);
    if (found && statuses.includes(found.status)) return found;
    if (Date.now() > deadline) throw new Error(`no run reached ${statuses.join('|')}; runs: ${JSON.stringify((await runs()).map((r) => [r.number, r.kind, r.branch, r.status, r.reason]))}`);
    if (found) await api(`/api/runs/${found.id}/logs?after=1000000&wait=2000`);
    else await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const logsOf = async (r: PipelineRunRecord) => (await api<{ lines: RunLogLine[] }>(`/api/runs/${r.id}/logs`)).lines.map((l) => `[${l.step}] ${l.line}`).join('\n');
const hello = async (url: string) => {
  const response = await fetch(url);
  return { status: response.status, body: response.status === 200 ? ((await response.json()) as { edition: string; env: string }) : null };
};
const setEdition = (edition: string) => writeFile(join(work, 'api', 'src', 'edition.mjs'), `export const EDITION = '${edition}';\n`);

beforeAll(async () => {
  home = await tempDir('sluice-pipeline-home-');
  repos = await tempDir('sluice-pipeline-repos-');
  remote = join(repos.path, 'shop.git');
  work = join(repos.path, 'work');
  await run('git', ['init', '--bare', '--initial-branch=master', remote]);
  await run('git', ['clone', remote, work]);
  await cp(FIXTURE, work, { recursive: true });
  await git('checkout', '-B', 'master');
  await git('add', '-A');
  await git('commit', '-m', 'Shop, first edition');
  await git('push', 'origin', 'master');
  plane = await startUp({ home: home.path });
  await api('/api/profiles/dev/secrets/CHECK_TOKEN', { method: 'PUT', body: JSON.stringify({ value: 'dev-check-token-7f3a9' }) });
  await api('/api/profiles/staging/secrets/CHECK_TOKEN', { method: 'PUT', body: JSON.stringify({ value: 'staging-check-token-51c2' }) });
  await api('/api/profiles/prod/secrets/CHECK_TOKEN', { method: 'PUT', body: JSON.stringify({ value: 'prod-check-token-e88d' }) });
  const connected = await api<{ repository: { id: string } }>('/api/repositories', { method: 'POST', body: JSON.stringify({ app: 'shop', kind: 'git', url: remote, pollIntervalMs: 0 }) });
  repoId = connected.repository.id;
});

afterAll(async () => {
  await plane?.stop();
  await repos?.remove();
  await home?.remove();
});

describe('the seed workflow with real git', () => {
  let staging: PipelineRunRecord;
  let firstPreviewSha: string;

  it('deploys staging from the master branch found when the repository is connected', async () => {
    staging = await waitForRun((r) => r.branch === 'master');
    expect(staging.status, `${staging.reason}\n${await logsOf(staging)}`).toBe('succeeded');
    expect(staging.stage).toBe('staging');
    expect((await hello(`${plane.gateway}/shop/staging/api/hello`)).body).toEqual({ edition: 'one', env: 'staging' });
    const logs = await logsOf(staging);
    expect(logs).toContain('unit check on master');
    expect(logs).toContain('secret present: yes');
    // The secret a check prints is masked in the stored log.
    expect(logs).not.toContain('staging-check-token-51c2');
  });

  it('previews a new branch after its checks, and runs the integration step against it', async () => {
    await git('checkout', '-b', 'feature/Login_UI');
    await setEdition('two');
    await git('commit', '-am', 'Edition two');
    firstPreviewSha = await git('rev-parse', 'HEAD');
    await push('feature/Login_UI');
    const preview = await waitForRun((r) => r.branch === 'feature/Login_UI' && r.sha === firstPreviewSha);
    const logs = await logsOf(preview);
    expect(preview.status, `${preview.reason}\n${logs}`).toBe('succeeded');
    expect(preview.kind).toBe('preview');
    expect(preview.stage).toBe('feature-login-ui');
    expect((preview.state.steps as Array<{ name: string; status: string }>).map((s) => `${s.name}:${s.status}`)).toEqual(['checkout:succeeded', 'checks:succeeded', 'deploy:succeeded', 'integration:succeeded']);
    expect(logs).toMatch(/GET .*\/shop\/feature-login-ui\/api\/hello -> 200/);
    expect((await hello(`${plane.gateway}/shop/feature-login-ui/api/hello`)).body).toEqual({ edition: 'two', env: 'dev' });
  });

  it('updates the preview on the next push while the first commit keeps its immutable URL', async () => {
    await setEdition('three');
    await git('commit', '-am', 'Edition three');
    const sha = await git('rev-parse', 'HEAD');
    await push('feature/Login_UI');
    const second = await waitForRun((r) => r.sha === sha);
    expect(second.status, `${second.reason}\n${await logsOf(second)}`).toBe('succeeded');
    expect((await hello(`${plane.gateway}/shop/feature-login-ui/api/hello`)).body).toEqual({ edition: 'three', env: 'dev' });
    expect((await hello(`${plane.gateway}/c/${firstPreviewSha.slice(0, 7)}/shop/feature-login-ui/api/hello`)).body).toEqual({ edition: 'two', env: 'dev' });
    expect((await hello(`${plane.gateway}/c/${sha.slice(0, 7)}/shop/feature-login-ui/api/hello`)).body).toEqual({ edition: 'three', env: 'dev' });
  });

  it('deploys staging when the branch is merged to master', async () => {
    await git('checkout', 'master');
    await git('merge', '--no-ff', '-m', 'Merge feature/Login_UI', 'feature/Login_UI');
    const sha = await git('rev-parse', 'HEAD');
    await push('master');
    staging = await waitForRun((r) => r.branch === 'master' && r.sha === sha);
    expect(staging.status, `${staging.reason}\n${await logsOf(staging)}`).toBe('succeeded');
    expect((await hello(`${plane.gateway}/shop/staging/api/hello`)).body).toEqual({ edition: 'three', env: 'staging' });
  });

  it('destroys the preview with its branch, leaving nothing of it in the store', async () => {
    await push('--delete', 'feature/Login_UI');
    const destroy = await waitForRun((r) => r.kind === 'destroy');
    expect(destroy.status, `${destroy.reason}\n${await logsOf(destroy)}`).toBe('succeeded');
    expect((await hello(`${plane.gateway}/shop/feature-login-ui/api/hello`)).status).toBe(404);
    expect((await hello(`${plane.gateway}/c/${firstPreviewSha.slice(0, 7)}/shop/feature-login-ui/api/hello`)).status).toBe(404);
    const store = await openStore({ home: home.path });
    try {
      expect(await store.getStage('shop', 'feature-login-ui')).toBeUndefined();
      expect(await store.listAliases('shop', 'feature-login-ui')).toEqual([]);
      expect(await store.listServiceInstances('shop', 'feature-login-ui')).toEqual([]);
      expect(await store.listOutputs('shop', 'feature-login-ui')).toEqual([]);
      expect(await store.listTables('shop', 'feature-login-ui')).toEqual([]);
      expect(await store.getPreview('shop', 'feature-login-ui')).toBeUndefined();
      expect(await store.listReleases({ app: 'shop', stage: 'feature-login-ui' })).toEqual([]);
      expect(await store.listDeployments({ app: 'shop', stage: 'feature-login-ui' })).toEqual([]);
      // Versions only the preview used are gone; staging's are kept.
      const versions = await store.listVersions('shop', 'api', 'hello');
      const kept = new Set((await store.listAliases('shop', 'staging')).flatMap((a) => a.targets.map((t) => t.versionId)));
      for (const version of versions) expect(kept.has(version.id) || (await isReleased(store, version.codeHash))).toBe(true);
    } finally {
      await store.close();
    }
  });

  let prodRun: PipelineRunRecord;

  it('holds prod for an approver who is not the author, then promotes staging\'s bundles', async () => {
    await git('checkout', '-b', 'prod');
    await push('prod');
    prodRun = await waitForRun((r) => r.branch === 'prod', ['awaiting_approval', ...TERMINAL]);
    expect(prodRun.status, `${prodRun.reason}\n${await logsOf(prodRun)}`).toBe('awaiting_approval');
    expect((await hello(`${plane.gateway}/shop/prod/api/hello`)).status).toBe(404);
    // The author may not approve her own change (preventSelfReview).
    const self = await fetch(`${plane.api}/api/runs/${prodRun.id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${await token('alice', 'approver')}` }, body: '{}' });
    expect(self.status).toBe(403);
    expect(JSON.stringify(await self.json())).toContain('preventSelfReview');
    // A deployer may not approve at all.
    const deployer = await fetch(`${plane.api}/api/runs/${prodRun.id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${await token('dave', 'deployer')}` }, body: '{}' });
    expect(deployer.status).toBe(403);
    const approved = await fetch(`${plane.api}/api/runs/${prodRun.id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${await token('bob', 'approver')}` }, body: JSON.stringify({ comment: 'ship it' }) });
    expect(approved.status).toBe(200);
    prodRun = await waitForRun((r) => r.id === prodRun.id);
    expect(prodRun.status, `${prodRun.reason}\n${await logsOf(prodRun)}`).toBe('succeeded');
    expect(prodRun.state.approval).toMatchObject({ decision: 'approved', by: 'bob', comment: 'ship it' });
    expect((await hello(`${plane.gateway}/shop/prod/api/hello`)).body).toEqual({ edition: 'three', env: 'prod' });
    expect(await liveCodeHashes('prod')).toEqual(await liveCodeHashes('staging'));
    const rollouts = await api<{ rollouts: Array<{ status: string; state: { plan: { schedule: { name: string; steps: Array<{ weight: number }> } } } }> }>('/api/apps/shop/stages/prod/rollouts');
    expect(rollouts.rollouts[0]?.status).toBe('succeeded');
    expect(rollouts.rollouts[0]?.state.plan.schedule.steps.map((s) => s.weight)).toEqual([50, 100]);
    // A first deploy of prod has no old version to shift from: the canary goes straight to its last step.
    expect(await logsOf(prodRun)).toMatch(/\[promote\] rollout of api: Step 2 of 2: 100% of traffic/);
  });

  it('promotes the next release to prod as a canary, and rolls prod back to the previous release when a revert is pushed', async () => {
    // Edition four reaches staging, then prod (fast-forward), then is reverted on prod.
    await git('checkout', 'master');
    await setEdition('four');
    await git('commit', '-am', 'Edition four');
    const four = await git('rev-parse', 'HEAD');
    await push('master');
    expect((await waitForRun((r) => r.branch === 'master' && r.sha === four)).status).toBe('succeeded');
    await git('checkout', 'prod');
    await git('merge', '--ff-only', 'master');
    await push('prod');
    const canary = await approveNext(four);
    // The run's log is its rollout view: each traffic step of the canary as it happened.
    expect(await logsOf(canary)).toMatch(/\[promote\] rollout of api: Step 1 of 2: 50% of traffic on the new versions for 300ms/);
    expect((await hello(`${plane.gateway}/shop/prod/api/hello`)).body).toEqual({ edition: 'four', env: 'prod' });

    await git('revert', '--no-edit', 'HEAD');
    const revert = await git('rev-parse', 'HEAD');
    await push('prod');
    const reverted = await approveNext(revert);
    expect(await logsOf(reverted)).toContain('Promoting the release of prod');
    expect((await hello(`${plane.gateway}/shop/prod/api/hello`)).body).toEqual({ edition: 'three', env: 'prod' });
  });
});

async function approveNext(sha: string): Promise<PipelineRunRecord> {
  const waiting = await waitForRun((r) => r.branch === 'prod' && r.sha === sha, ['awaiting_approval', ...TERMINAL]);
  expect(waiting.status, `${waiting.reason}\n${await logsOf(waiting)}`).toBe('awaiting_approval');
  const response = await fetch(`${plane.api}/api/runs/${waiting.id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${await token('bob', 'approver')}` }, body: '{}' });
  expect(response.status).toBe(200);
  const done = await waitForRun((r) => r.id === waiting.id);
  expect(done.status, `${done.reason}\n${await logsOf(done)}`).toBe('succeeded');
  return done;
}


/** A token for a person with a role; the first one made is an admin's, made while the API is open on loopback. */
async function token(name: string, role: string): Promise<string> {
  const key = `${name}/${role}`;
  if (tokens.has(key)) return tokens.get(key)!;
  admin ??= (await api<{ token: string }>('/api/tokens', { method: 'POST', body: JSON.stringify({ name: 'test-admin', role: 'admin' }) })).token;
  const made = await api<{ token: string }>('/api/tokens', { method: 'POST', body: JSON.stringify({ name, role }) });
  tokens.set(key, made.token);
  return made.token;
}

async function liveCodeHashes(stage: string): Promise<string[]> {
  const store = await openStore({ home: home.path });
  try {
    const aliases = await store.listAliases('shop', stage);
    const hashes: string[] = [];
    for (const alias of aliases.filter((a) => a.name === 'live')) {
      for (const target of alias.targets.filter((t) => t.weight > 0)) hashes.push((await store.getVersion(target.versionId))!.codeHash);
    }
    return hashes.sort();
  } finally {
    await store.close();
  }
}

async function isReleased(store: Awaited<ReturnType<typeof openStore>>, codeHash: string): Promise<boolean> {
  const releases = await store.listReleases({ app: 'shop' });
  return releases.some((r) => Object.values(r.functionCode).includes(codeHash));
}
