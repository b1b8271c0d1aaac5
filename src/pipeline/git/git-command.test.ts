// The hardened git runner and the validation of untrusted git input, against the real git binary.
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SluiceError } from '../../errors/index.js';
import { isValidBranchName, normalizeRepositoryUrl, redactCredentials, runGit } from './git-command.js';
import { createTestRepository, plainGit, type TestRepository } from './git-test-repository.js';

let repo: TestRepository;
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function newRepository(): Promise<TestRepository> {
  repo = await createTestRepository();
  cleanups.push(() => repo.cleanup());
  return repo;
}

async function rejection(promise: Promise<unknown>): Promise<SluiceError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(SluiceError);
  return error as SluiceError;
}

/** Whether a pid is gone (or a zombie nobody reaped yet), waiting up to 2 s for SIGKILL to land. */
async function processEnded(pid: number): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
    if (stat === null || /^\d+ \(.*\) [ZX]/.test(stat)) return true;
    await new Promise((done) => setTimeout(done, 10));
  }
  return false;
}

describe('runGit', () => {
  it('returns stdout of a successful command', async () => {
    const { stdout, exitCode } = await runGit(['--version']);
    expect(stdout).toMatch(/^git version \d+\.\d+/);
    expect(exitCode).toBe(0);
  });

  it('fails with GIT_FAILED naming the subcommand and the last lines of stderr', async () => {
    await newRepository();
    const error = await rejection(runGit(['rev-parse', '--verify', 'no-such-branch'], { cwd: repo.work }));
    expect(error.code).toBe('GIT_FAILED');
    expect(error.status).toBe(502);
    expect(error.message).toMatch(/^git rev-parse failed \(exit 128\): fatal: Needed a single revision$/);
    expect(error.hint).toMatch(/repository URL/);
  });

  it('treats allowed exit codes as answers, and only those', async () => {
    await newRepository();
    // An empty repository has no HEAD commit: `--verify --quiet` answers with exit 1.
    const answer = await runGit(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { cwd: repo.work, allowExitCodes: [1] });
    expect(answer.exitCode).toBe(1);
    const error = await rejection(runGit(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { cwd: repo.work }));
    expect(error.message).toMatch(/exit 1/);
  });

  it('kills git and everything it started when the deadline passes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-git-timeout-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const pidFile = join(dir, 'ssh.pid');
    const started = Date.now();
    // The "ssh" git starts for this URL records its pid and hangs.
    const error = await rejection(runGit(['ls-remote', '--', 'ssh://example.invalid/repo.git'], {
      timeoutMs: 500,
      env: { GIT_SSH_VARIANT: 'simple', GIT_SSH_COMMAND: `echo $$ > '${pidFile}'; exec sleep 30; :` },
    }));
    expect(error.code).toBe('GIT_FAILED');
    expect(error.message).toMatch(/^git ls-remote timed out after 500 ms/);
    expect(Date.now() - started).toBeLessThan(10_000);
    const pid = Number(await readFile(pidFile, 'utf8'));
    expect(pid).toBeGreaterThan(0);
    expect(await processEnded(pid)).toBe(true);
  });

  it('stops when its signal aborts', async () => {
    const controller = new AbortController();
    const run = runGit(['ls-remote', '--', 'ssh://example.invalid/repo.git'], { signal: controller.signal, env: { GIT_SSH_VARIANT: 'simple', GIT_SSH_COMMAND: 'exec sleep 30; :' } });
    controller.abort();
    const error = await rejection(run);
    expect(error.message).toMatch(/was canceled/);
  });

  it('ignores GIT_DIR and other GIT_* variables inherited from the environment', async () => {
    await newRepository();
    const other = join(repo.root, 'other');
    await plainGit(['init', '--quiet', other]);
    const saved = { GIT_DIR: process.env.GIT_DIR, GIT_ALLOW_PROTOCOL: process.env.GIT_ALLOW_PROTOCOL };
    process.env.GIT_DIR = repo.origin;
    process.env.GIT_ALLOW_PROTOCOL = 'ext';
    try {
      const { stdout } = await runGit(['rev-parse', '--absolute-git-dir'], { cwd: other });
      expect(stdout.trim()).toBe(join(other, '.git'));
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('refuses transports that run commands (ext::, fd::), whatever the environment says', async () => {
    const marker = join(tmpdir(), `pwned-${randomUUID()}`);
    cleanups.push(() => rm(marker, { force: true }));
    process.env.GIT_ALLOW_PROTOCOL = 'ext';
    try {
      const ext = await rejection(runGit(['ls-remote', '--', `ext::sh -c touch% ${marker}`]));
      expect(ext.message).toMatch(/transport 'ext' not allowed/);
    } finally {
      delete process.env.GIT_ALLOW_PROTOCOL;
    }
    const fd = await rejection(runGit(['ls-remote', '--', 'fd::0']));
    expect(fd.message).toMatch(/transport 'fd' not allowed/);
    expect(existsSync(marker)).toBe(false);
  });

  it('does not run hooks of the repository it works in', async () => {
    await newRepository();
    const marker = join(repo.root, 'hook-ran');
    const hook = join(repo.work, '.git', 'hooks', 'post-commit');
    await writeFile(hook, `#!/bin/sh\ntouch '${marker}'\n`);
    await chmod(hook, 0o755);
    await runGit(['commit', '--quiet', '--allow-empty', '-m', 'x'], { cwd: repo.work, env: { GIT_AUTHOR_NAME: 'a', GIT_AUTHOR_EMAIL: 'a@b', GIT_COMMITTER_NAME: 'a', GIT_COMMITTER_EMAIL: 'a@b' } });
    expect(existsSync(marker)).toBe(false);
    // The same commit through plain git runs it: the hook itself works.
    await repo.commit({}, 'y');
    expect(existsSync(marker)).toBe(true);
  });
});

describe('isValidBranchName', () => {
  it.each(['main', 'feature/Login_UI', '--upload-pack=x', '$(touch${IFS}/tmp/x)', 'a.b', 'HEAD', 'ünïcode', '-x', '@'])('accepts %j', (name) => {
    expect(isValidBranchName(name)).toBe(true);
  });

  it.each(['', '../../etc', 'a/../b', 'a..b', '/a', 'a/', 'a//b', '.hidden', 'a/.b', 'x.lock', 'a/x.lock/b', 'a.', 'a b', 'a\tb', 'a\nb', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[', 'a\\b', 'a@{1}', 'a\x7fb'])('refuses %j', (name) => {
    expect(isValidBranchName(name)).toBe(false);
  });

  it('agrees with git check-ref-format on odd names', async () => {
    for (const name of ['--upload-pack=x', '$(touch${IFS}/tmp/x)', '../../etc', 'a..b', 'x.lock', 'a b', 'feature/Login_UI', '@', 'a@{1}']) {
      const gitSays = await plainGit(['check-ref-format', `refs/heads/${name}`]).then(() => true, () => false);
      expect({ name, valid: isValidBranchName(name) }).toEqual({ name, valid: gitSays });
    }
  });
});

describe('normalizeRepositoryUrl', () => {
  it('accepts clone URLs and absolute paths, and makes a colon-free relative path absolute', () => {
    for (const url of ['https://github.com/a/b.git', 'ssh://git@host/a.git', 'git@github.com:a/b.git', 'git://host/a', 'file:///srv/a.git', '/srv/repos/a.git']) {
      expect(normalizeRepositoryUrl(url)).toBe(url);
    }
    expect(normalizeRepositoryUrl('repos/a.git')).toBe(join(process.cwd(), 'repos/a.git'));
  });

  it.each(['', '--upload-pack=touch /tmp/x', '-u x', 'ext::sh -c touch% /tmp/x', 'fd::3', 'foo::bar', 'ftp://host/a', 'https://host/a\nb', 'x\0y'])('refuses %j', (url) => {
    expect(() => normalizeRepositoryUrl(url)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('redactCredentials', () => {
  it('hides user and token in URLs', () => {
    expect(redactCredentials("fatal: unable to access 'https://x-token:ghp_secret@github.com/a/b.git/'")).toBe("fatal: unable to access 'https://***@github.com/a/b.git/'");
    expect(redactCredentials('ssh://host/a')).toBe('ssh://host/a');
  });
});
