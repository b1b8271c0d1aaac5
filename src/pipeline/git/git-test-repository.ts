// For the git layer's tests: a throwaway "remote" (a bare repository) and a clone to commit and push from,
// driven by the plain git binary with a fixed identity (the machine may have none). Free of vitest; each test
// file registers cleanup() in its own afterEach.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const IDENTITY = {
  GIT_AUTHOR_NAME: 'Ada Tester',
  GIT_AUTHOR_EMAIL: 'ada@example.test',
  GIT_COMMITTER_NAME: 'Ada Tester',
  GIT_COMMITTER_EMAIL: 'ada@example.test',
  GIT_CONFIG_NOSYSTEM: '1',
};

/** Runs the plain git binary (hooks allowed: the post-receive test needs them) and returns trimmed stdout. */
export function plainGit(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<string> {
  const env = { ...withoutGitVariables(process.env), ...IDENTITY, ...options.env };
  return new Promise((resolve, reject) => {
    execFile('git', ['-c', 'init.defaultBranch=main', ...args], { cwd: options.cwd, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`git ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout.trim());
    });
  });
}

export interface TestRepository {
  /** The temp folder holding everything below; removed by cleanup(). */
  root: string;
  /** The bare "remote". */
  origin: string;
  /** A clone of origin to commit in. */
  work: string;
  /** Writes files, commits them and returns the new sha (author/committer date fixed when given, in seconds). */
  commit(files: Record<string, string>, message: string, options?: { date?: number }): Promise<string>;
  /** `git push origin <refspecs…>` from the clone. */
  push(...refspecs: string[]): Promise<void>;
  git(args: string[], cwd?: string): Promise<string>;
  cleanup(): Promise<void>;
}

export async function createTestRepository(): Promise<TestRepository> {
  const root = await mkdtemp(join(tmpdir(), 'sluice-git-'));
  const origin = join(root, 'origin.git');
  const work = join(root, 'work');
  await plainGit(['init', '--quiet', '--bare', origin]);
  await plainGit(['init', '--quiet', work]);
  await plainGit(['remote', 'add', 'origin', origin], { cwd: work });
  const repository: TestRepository = {
    root,
    origin,
    work,
    async commit(files, message, options = {}) {
      for (const [name, content] of Object.entries(files)) {
        await mkdir(dirname(join(work, name)), { recursive: true });
        await writeFile(join(work, name), content);
      }
      await plainGit(['add', '--all'], { cwd: work });
      const date: Record<string, string> = options.date === undefined ? {} : { GIT_AUTHOR_DATE: `@${options.date} +0000`, GIT_COMMITTER_DATE: `@${options.date} +0000` };
      await plainGit(['commit', '--quiet', '--allow-empty', '-m', message], { cwd: work, env: date });
      return plainGit(['rev-parse', 'HEAD'], { cwd: work });
    },
    async push(...refspecs) {
      await plainGit(['push', '--quiet', 'origin', ...refspecs], { cwd: work });
    },
    git: (args, cwd = work) => plainGit(args, { cwd }),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
  return repository;
}

function withoutGitVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && !name.startsWith('GIT_')) clean[name] = value;
  return clean;
}
