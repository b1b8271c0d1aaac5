// The CLI of git-driven delivery against a real `sluice up`: connecting a local bare repository with its
// post-receive hook, runs started by pushes (listed, shown, followed, approved), promotion, the GitHub
// connection and `sluice ci init github`, and clear errors for bad arguments.

import { execFile } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliJson, startUp, tempDir, type RunningControlPlane } from '../support/sluice-process.js';

const exec = promisify(execFile);
const APP = 'piped';
const FILES: Record<string, string> = {
  'sluice.app.yml': `app: ${APP}
services: [api]
profiles:
  prod: { approval: required }
stages:
  prod: { profile: prod }
pipeline:
  checks: [ { name: hello, run: echo checks-ran-here } ]
  branches: { master: staging, prod: { stage: prod, promoteFrom: [staging] } }
`,
  'api/sluice.yml': 'service: api\nfunctions:\n  hello:\n    handler: src/hello.main\n    events:\n      - http: GET /hello\n',
  'api/src/hello.mjs': "export async function main() {\n  return { statusCode: 200, body: 'hello' };\n}\n",
};

interface RunRecord {
  id: string;
  number: number;
  app: string;
  kind: string;
  branch: string | null;
  sha: string | null;
  stage: string | null;
  status: string;
  state: { steps: Array<{ name: string; status: string }>; approval?: { decision: string | null; by: string | null; comment: string | null } };
}

let home: Awaited<ReturnType<typeof tempDir>>;
let work: Awaited<ReturnType<typeof tempDir>>;
let plane: RunningControlPlane;
let bare: string;
let clone: string;

const git = async (cwd: string, ...args: string[]) =>
  (await exec('git', ['-c', 'user.name=Casey Coder', '-c', 'user.email=casey@example.com', '-c', 'init.defaultBranch=master', ...args], { cwd })).stdout.trim();
const cli = (args: string[], cwd = clone) => runCli(args, { cwd, server: plane.api });
const cliJson = <T>(args: string[], cwd = clone) => runCliJson<T>(args, { cwd, server: plane.api });

/** Lists runs until one matches (bounded: each CLI call takes a moment, so no sleeping is needed). */
async function waitForRun(match: (run: RunRecord) => boolean): Promise<RunRecord> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const found = (await cliJson<RunRecord[]>(['runs'])).find(match);
    if (found) return found;
  }
  throw new Error('no matching run appeared within 15 s');
}

/** Pushes to `branch` a commit whose only check runs `check`, leaving the clone as it was; returns the commit. */
async function pushVariant(branch: string, check: string): Promise<string> {
  const manifest = join(clone, 'sluice.app.yml');
  const original = await readFile(manifest, 'utf8');
  await writeFile(manifest, original.replace('run: echo checks-ran-here', `run: '${check}'`));
  await git(clone, 'commit', '--quiet', '-am', `check: ${check}`);
  const sha = await git(clone, 'rev-parse', 'HEAD');
  await git(clone, 'push', '--quiet', 'origin', `HEAD:${branch}`);
  await git(clone, 'reset', '--quiet', '--hard', 'HEAD~1');
  return sha;
}

/** `runs show N --follow --json`: the JSON lines it printed and its exit code. */
async function follow(number: number): Promise<{ code: number; lines: Array<Record<string, unknown>> }> {
  const result = await cli(['runs', 'show', String(number), '--follow', '--json']);
  return { code: result.code, lines: result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) };
}

beforeAll(async () => {
  home = await tempDir('sluice-pipeline-cli-home-');
  work = await tempDir('sluice-pipeline-cli-work-');
  plane = await startUp({ home: home.path });
  bare = join(work.path, 'origin.git');
  clone = join(work.path, 'clone');
  await mkdir(bare);
  await git(bare, 'init', '--bare');
  await git(work.path, 'clone', '--quiet', bare, clone);
  for (const [path, text] of Object.entries(FILES)) {
    await mkdir(join(clone, path, '..'), { recursive: true });
    await writeFile(join(clone, path), text);
  }
  await git(clone, 'add', '.');
  await git(clone, 'commit', '--quiet', '-m', 'A tiny app');
});

afterAll(async () => {
  await plane?.stop();
  await work?.remove();
  await home?.remove();
});

describe('sluice connect git', () => {
  it('connects a local bare repository by a relative path, installs its hook, and a push starts a run', async () => {
    const connected = await cliJson<{ repository: { id: string; url: string; kind: string; app: string; pollIntervalMs: number }; notifyUrl: string; hook: string }>(
      ['connect', 'git', '../origin.git', '--interval', '0', '--install-hook'],
    );
    expect(connected.repository).toMatchObject({ url: bare, kind: 'git', app: APP, pollIntervalMs: 0 });
    expect(connected.notifyUrl).toBe(`${plane.api}/hooks/git/${connected.repository.id}`);
    expect(connected.hook).toBe(join(bare, 'hooks', 'post-receive'));
    expect((await stat(connected.hook)).mode & 0o777).toBe(0o755);
    expect(await readFile(connected.hook, 'utf8')).toContain(connected.notifyUrl);

    const listed = await cliJson<Array<{ id: string; url: string; notifyUrl: string }>>(['connect', 'list']);
    expect(listed).toContainEqual(expect.objectContaining({ id: connected.repository.id, url: bare, notifyUrl: connected.notifyUrl }));
    const table = await cli(['connect', 'list']);
    expect(table.stdout).toMatch(/id\s+app\s+kind\s+url\s+app dir\s+poll interval\s+notify URL/);
    expect(table.stdout).toContain('on notify');

    // Polling is off (--interval 0): only the hook can tell the control plane about this push.
    await git(clone, 'push', '--quiet', 'origin', 'HEAD:master');
    const sha = await git(clone, 'rev-parse', 'HEAD');
    const run = await waitForRun((r) => r.sha === sha && r.branch === 'master');
    expect(run).toMatchObject({ app: APP, kind: 'branch', stage: 'staging' });

    const followed = await follow(run.number);
    const last = followed.lines.at(-1) as { type: string; run: RunRecord };
    expect(last).toMatchObject({ type: 'run', run: { id: run.id } });
    expect(followed.lines.some((line) => line.type === 'log' && String(line.line).includes('checks-ran-here'))).toBe(true);
    expect(last.run.status).toBe('succeeded');
    expect(followed.code).toBe(0);

    const shown = await cliJson<{ run: RunRecord; logs: Array<{ step: string; line: string }> }>(['runs', 'show', String(run.number)]);
    expect(shown.run).toMatchObject({ id: run.id, number: run.number, status: 'succeeded' });
    expect(shown.run.state.steps.map((s) => s.name)).toEqual(['checkout', 'checks', 'deploy']);
    expect(shown.logs).toContainEqual(expect.objectContaining({ step: 'checks', line: expect.stringContaining('checks-ran-here') }));
    const byId = await cliJson<{ run: RunRecord }>(['runs', 'show', run.id], work.path);
    expect(byId.run.number).toBe(run.number);

    const human = await cli(['runs', 'show', `${APP}#${run.number}`], work.path);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`${APP}#${run.number}`);
    expect(human.stdout).toMatch(/step\s+status\s+duration\s+detail/);
    expect(human.stdout).toMatch(/checks\s+echo checks-ran-here|checks\s+checks-ran-here/);
    const list = await cli(['runs', '--status', 'succeeded']);
    expect(list.stdout, list.stderr).toMatch(new RegExp(`${run.number}\\s+branch\\s+master\\s+${sha.slice(0, 7)}\\s+staging\\s+succeeded`));
  });

  it('holds a promotion to an approval-gated stage until `sluice approve`', async () => {
    await git(clone, 'push', '--quiet', 'origin', 'HEAD:prod');
    const run = await waitForRun((r) => r.branch === 'prod' && r.status === 'awaiting_approval');
    const shown = await cli(['runs', 'show', String(run.number)]);
    expect(shown.stdout).toContain(`awaiting approval: sluice approve ${APP}#${run.number}`);
    expect(shown.stdout).toContain('approver role');

    const approved = await cliJson<RunRecord>(['approve', String(run.number), '--comment', 'ship it']);
    expect(approved.id).toBe(run.id);
    const followed = await follow(run.number);
    const last = followed.lines.at(-1) as { run: RunRecord };
    expect(last.run.status).toBe('succeeded');
    expect(last.run.state.approval).toMatchObject({ decision: 'approved', comment: 'ship it' });
    expect(followed.code).toBe(0);
  });

  it('exits 1 from --follow when a run fails, and cancels a running one', async () => {
    const broken = await pushVariant('broken', 'sh -c "echo failing-check; exit 3"');
    const failed = await waitForRun((r) => r.sha === broken);
    const followed = await cli(['runs', 'show', String(failed.number), '--follow']);
    expect(followed.code).toBe(1);
    expect(followed.stdout).toContain('failing-check');
    expect(followed.stdout).toMatch(new RegExp(`✘ Run ${APP}#${failed.number} failed after .*exit 3`));

    const slow = await pushVariant('slow', 'sleep 30');
    const running = await waitForRun((r) => r.sha === slow && r.state.steps.some((s) => s.name === 'checks' && s.status === 'running'));
    expect((await cli(['runs', 'cancel', String(running.number)])).stdout).toContain(`Canceled run ${APP}#${running.number}`);
    const canceled = await follow(running.number);
    expect((canceled.lines.at(-1) as { run: RunRecord }).run.status).toBe('canceled');
    expect(canceled.code).toBe(1);
  });

  it('refuses to replace a post-receive hook that is not Sluice\'s', async () => {
    const other = join(work.path, 'other.git');
    await mkdir(other);
    await git(other, 'init', '--bare');
    const hook = join(other, 'hooks', 'post-receive');
    await writeFile(hook, '#!/bin/sh\necho mine\n', { mode: 0o755 });
    const result = await cli(['connect', 'git', other, '--install-hook', '--interval', '1h']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('CONFLICT');
    expect(result.stderr).toContain('not installed by Sluice');
    expect(result.stderr).toMatch(/Hint: Add this line to it: curl .*\/hooks\/git\/r/);
    expect(await readFile(hook, 'utf8')).toBe('#!/bin/sh\necho mine\n');
    const bad = await cli(['connect', 'git', other, '--interval', 'soon']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('INVALID_ARGUMENT');
  });
});

describe('sluice promote', () => {
  it('says clearly when the source stage has no release', async () => {
    const result = await cli(['promote', '--from', 'nowhere', '--to', 'elsewhere']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('NOT_FOUND');
    expect(result.stderr).toContain('nowhere');
    expect(result.stderr).toContain('Hint: Deploy the whole app to nowhere first');
  });

  it('deploys the release of staging to another stage, as deploy prints it', async () => {
    const result = await cli(['promote', '--from', 'staging', '--to', 'demo']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Deployed ${APP} to stage demo`);
    expect(result.stdout).toMatch(/api\s+hello\s+v\d/);
    expect(result.stdout).toMatch(/Release \w{8} of staging, commit [0-9a-f]{7}/);
  });
});

describe('sluice connect github', () => {
  it('shows the webhook secret once, and only says it is set the second time', async () => {
    const empty = join(work.path, 'empty.git');
    await mkdir(empty);
    await git(empty, 'init', '--bare');
    const args = ['connect', 'github', '--repo', 'acme/shop', '--url', empty, '--app', 'shop'];
    const first = await cliJson<{ repository: { id: string; githubRepo: string }; webhookSecret: string | null; webhookUrl: string }>(args);
    expect(first.repository.githubRepo).toBe('acme/shop');
    expect(first.webhookSecret).toMatch(/^[0-9a-f]{48}$/);
    expect(first.webhookUrl).toBe(`${plane.api}/hooks/github`);
    const again = await cli(args);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('application/json');
    expect(again.stdout).toContain('push, pull_request, delete');
    expect(again.stdout).toContain(`sluice connect remove ${first.repository.id}`);
    expect(again.stdout).not.toContain(first.webhookSecret);
    expect(again.stdout).toContain('SLUICE_GITHUB_TOKEN');

    const removed = await cliJson<{ id: string }>(['connect', 'remove', first.repository.id]);
    expect(removed.id).toBe(first.repository.id);
    expect((await cliJson<Array<{ id: string }>>(['connect', 'list'])).map((r) => r.id)).not.toContain(first.repository.id);
  });
});

describe('sluice ci init github', () => {
  it('writes the workflows of the manifest offline, and refuses to overwrite them without --force', async () => {
    const offline = { cwd: clone, server: 'http://127.0.0.1:9' };
    const written = await runCliJson<{ files: string[]; secrets: Array<{ name: string }> }>(['ci', 'init', 'github'], offline);
    expect(written.files).toEqual(['.github/workflows/sluice-checks.yml', '.github/workflows/sluice-deploy-staging.yml', '.github/workflows/sluice-promote-prod.yml']);
    expect(written.secrets.map((s) => s.name)).toEqual(['SLUICE_URL', 'SLUICE_TOKEN']);
    expect(await readFile(join(clone, '.github/workflows/sluice-promote-prod.yml'), 'utf8')).toContain('sluice promote --from staging --to prod');

    const again = await runCli(['ci', 'init', 'github'], offline);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('INVALID_ARGUMENT');
    expect(again.stderr).toContain('--force');
    const forced = await runCli(['ci', 'init', 'github', '--force'], offline);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('SLUICE_TOKEN');
  });
});

describe('sluice ci init github in a monorepo', () => {
  it('writes the workflows at the repository root, running in the app folder', async () => {
    const repo = await tempDir('sluice-monorepo-');
    try {
      const appFolder = join(repo.path, 'apps', APP);
      for (const [path, text] of Object.entries(FILES)) {
        await mkdir(join(appFolder, path, '..'), { recursive: true });
        await writeFile(join(appFolder, path), text);
      }
      await git(repo.path, 'init', '--quiet');
      const written = await runCliJson<{ root: string; appDir: string; files: string[] }>(['ci', 'init', 'github'], { cwd: join(appFolder, 'api'), server: 'http://127.0.0.1:9' });
      expect(written.appDir).toBe(`apps/${APP}`);
      expect(written.files).toEqual([`.github/workflows/sluice-${APP}-checks.yml`, `.github/workflows/sluice-${APP}-deploy-staging.yml`, `.github/workflows/sluice-${APP}-promote-prod.yml`]);
      const deploy = await readFile(join(repo.path, '.github', 'workflows', `sluice-${APP}-deploy-staging.yml`), 'utf8');
      expect(deploy).toContain(`working-directory: apps/${APP}`);
      expect(deploy).toContain(`- apps/${APP}/**`);
      await expect(stat(join(appFolder, '.github'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await repo.remove();
    }
  });
});

describe('bad arguments', () => {
  it('needs an app for a run named by its number, and OWNER/NAME for GitHub', async () => {
    const noApp = await cli(['runs', 'show', '1'], work.path);
    expect(noApp.code).toBe(1);
    expect(noApp.stderr).toContain('INVALID_ARGUMENT');
    expect(noApp.stderr).toContain('APP#1');
    const badRepo = await cli(['connect', 'github', '--repo', 'bad']);
    expect(badRepo.code).toBe(1);
    expect(badRepo.stderr).toContain('INVALID_ARGUMENT');
    expect(badRepo.stderr).toContain('OWNER/NAME');
    const unknown = await cli(['reject', `${APP}#999`]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('NOT_FOUND');
    const badStatus = await cli(['runs', '--status', 'done']);
    expect(badStatus.stderr).toContain('Unknown run status "done"');
  });
});
