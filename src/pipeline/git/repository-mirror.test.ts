// The mirror cache against real repositories: branch listing (hostile names included), fetch with prune,
// fetching one commit from a fork, commit facts and ancestry.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SluiceError } from '../../errors/index.js';
import { commitInfo, ensureMirror, fetchCommit, fetchMirror, hasCommit, isAncestor, listBranches, parseBranchHeads } from './repository-mirror.js';
import { createTestRepository, plainGit, type TestRepository } from './git-test-repository.js';

let repo: TestRepository;
let pwned: string;
let hostileBranch: string;

beforeEach(async () => {
  repo = await createTestRepository();
  pwned = join(tmpdir(), `pwned-${randomUUID()}`);
  hostileBranch = `$(touch\${IFS}${pwned})`;
});

afterEach(async () => {
  await repo.cleanup();
  await rm(pwned, { force: true });
});

async function rejection(promise: Promise<unknown>): Promise<SluiceError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(SluiceError);
  return error as SluiceError;
}

/** main, feature/Login_UI and two hostile names, all on origin; returns their shas. */
async function pushBranches(): Promise<{ first: string; second: string }> {
  const first = await repo.commit({ 'a.txt': 'one\n' }, 'first');
  await repo.push('HEAD:refs/heads/main', 'HEAD:refs/heads/--upload-pack=x', `HEAD:refs/heads/${hostileBranch}`);
  const second = await repo.commit({ 'a.txt': 'two\n' }, 'second');
  await repo.push('HEAD:refs/heads/feature/Login_UI');
  return { first, second };
}

describe('listBranches', () => {
  it('lists every branch of a remote with its head, odd names kept exactly, nothing executed', async () => {
    const { first, second } = await pushBranches();
    const heads = await listBranches(repo.origin);
    expect(Object.fromEntries(heads)).toEqual({
      main: first,
      '--upload-pack=x': first,
      [hostileBranch]: first,
      'feature/Login_UI': second,
    });
    expect(existsSync(pwned)).toBe(false);
    expect([...heads.keys()].some((name) => name.includes('..'))).toBe(false);
  });

  it('lists an empty repository as no branches', async () => {
    expect((await listBranches(repo.origin)).size).toBe(0);
  });

  it('fails with GIT_FAILED for a missing repository and refuses option-like URLs before running git', async () => {
    const missing = await rejection(listBranches(join(repo.root, 'missing.git')));
    expect(missing.code).toBe('GIT_FAILED');
    expect(missing.message).toMatch(/^git ls-remote failed/);
    const injected = await rejection(listBranches(`--upload-pack=touch ${pwned}`));
    expect(injected.code).toBe('INVALID_ARGUMENT');
    expect(existsSync(pwned)).toBe(false);
  });
});

describe('parseBranchHeads', () => {
  it('keeps valid heads and drops what a hostile remote could send', () => {
    const sha = 'a'.repeat(40);
    const output = [
      `${sha}\trefs/heads/main`,
      `${sha}\trefs/heads/../../etc`,
      `${sha}\trefs/heads/a..b`,
      `${sha}\trefs/tags/v1`,
      `nothex\trefs/heads/bad-sha`,
      `${'b'.repeat(40)}\trefs/heads/--upload-pack=x`,
      '',
    ].join('\n');
    expect(Object.fromEntries(parseBranchHeads(output))).toEqual({ main: sha, '--upload-pack=x': 'b'.repeat(40) });
  });
});

describe('mirror', () => {
  it('mirrors every branch, follows updates and prunes deleted branches', async () => {
    const { first, second } = await pushBranches();
    const mirror = join(repo.root, 'repos', 'r1.git');
    await ensureMirror(repo.origin, mirror);
    expect(await plainGit(['rev-parse', '--is-bare-repository'], { cwd: mirror })).toBe('true');
    expect(Object.fromEntries(await listBranches(mirror))).toEqual(Object.fromEntries(await listBranches(repo.origin)));

    const third = await repo.commit({ 'a.txt': 'three\n' }, 'third');
    await repo.push('HEAD:refs/heads/main', ':refs/heads/feature/Login_UI');
    await fetchMirror(mirror, repo.origin);
    const heads = await listBranches(mirror);
    expect(heads.get('main')).toBe(third);
    expect(heads.has('feature/Login_UI')).toBe(false);
    expect(heads.get('--upload-pack=x')).toBe(first);
    expect(third).not.toBe(second);
    expect(existsSync(pwned)).toBe(false);
  });

  it('ensureMirror on an existing mirror keeps it and fetches', async () => {
    await pushBranches();
    const mirror = join(repo.root, 'r1.git');
    await ensureMirror(repo.origin, mirror);
    const next = await repo.commit({ 'b.txt': 'b\n' }, 'next');
    await repo.push('HEAD:refs/heads/main');
    await ensureMirror(repo.origin, mirror);
    expect((await listBranches(mirror)).get('main')).toBe(next);
  });

  it('fetches only named branches, hostile names as plain names', async () => {
    const { first } = await pushBranches();
    const mirror = join(repo.root, 'r1.git');
    await ensureMirror(repo.origin, mirror);
    const next = await repo.commit({ 'b.txt': 'b\n' }, 'next');
    await repo.push('HEAD:refs/heads/main', 'HEAD:refs/heads/--upload-pack=x', 'HEAD:refs/heads/feature/Login_UI');
    await fetchMirror(mirror, repo.origin, { branches: ['--upload-pack=x', hostileBranch] });
    const heads = await listBranches(mirror);
    expect(heads.get('--upload-pack=x')).toBe(next);
    expect(heads.get(hostileBranch)).toBe(first);
    expect(heads.get('main')).toBe(first);
    expect(existsSync(pwned)).toBe(false);
  });

  it('reports a missing branch as GIT_REF_NOT_FOUND and an invalid one as INVALID_ARGUMENT', async () => {
    await pushBranches();
    const mirror = join(repo.root, 'r1.git');
    await ensureMirror(repo.origin, mirror);
    expect((await rejection(fetchMirror(mirror, repo.origin, { branches: ['gone'] }))).code).toBe('GIT_REF_NOT_FOUND');
    expect((await rejection(fetchMirror(mirror, repo.origin, { branches: ['../../etc'] }))).code).toBe('INVALID_ARGUMENT');
    expect((await rejection(fetchMirror(mirror, repo.origin, { branches: [`x --upload-pack=touch ${pwned}`] }))).code).toBe('INVALID_ARGUMENT');
    expect(existsSync(pwned)).toBe(false);
  });

  it('survives many fetches of one mirror at once', async () => {
    await pushBranches();
    const mirror = join(repo.root, 'r1.git');
    await ensureMirror(repo.origin, mirror);
    await Promise.all(Array.from({ length: 6 }, () => fetchMirror(mirror, repo.origin)));
    expect((await listBranches(mirror)).size).toBe(4);
  });
});

describe('fetchCommit', () => {
  it('fetches a fork head by sha and keeps it through a pruning fetch', async () => {
    await pushBranches();
    const mirror = join(repo.root, 'r1.git');
    await ensureMirror(repo.origin, mirror);
    const fork = join(repo.root, 'fork.git');
    await plainGit(['init', '--quiet', '--bare', fork]);
    const forkHead = await repo.commit({ 'fork.txt': 'from a fork\n' }, 'fork work');
    await plainGit(['push', '--quiet', fork, 'HEAD:refs/heads/patch'], { cwd: repo.work });
    expect(await hasCommit(mirror, forkHead)).toBe(false);

    await fetchCommit(mirror, fork, forkHead);
    expect(await hasCommit(mirror, forkHead)).toBe(true);
    await fetchMirror(mirror, repo.origin);
    expect(await hasCommit(mirror, forkHead)).toBe(true);
    expect((await listBranches(mirror)).has('patch')).toBe(false);
  });

  it('reports a sha the remote does not have as GIT_REF_NOT_FOUND, and a non-sha as INVALID_ARGUMENT', async () => {
    await pushBranches();
    const mirror = join(repo.root, 'r1.git');
    await ensureMirror(repo.origin, mirror);
    expect((await rejection(fetchCommit(mirror, repo.origin, '0123456789abcdef0123456789abcdef01234567'))).code).toBe('GIT_REF_NOT_FOUND');
    expect((await rejection(fetchCommit(mirror, repo.origin, '--upload-pack=x'))).code).toBe('INVALID_ARGUMENT');
  });
});

describe('commitInfo', () => {
  it('reads tree, parents, author, date and the whole message', async () => {
    const parent = await repo.commit({ 'a.txt': 'one\n' }, 'first', { date: 1_700_000_000 });
    const sha = await repo.commit({ 'a.txt': 'two\n' }, 'Add login\n\nWith a body line.\nAnd ünïcode.', { date: 1_700_000_123 });
    await repo.push('HEAD:refs/heads/main');
    const mirror = join(repo.root, 'r1.git');
    await ensureMirror(repo.origin, mirror);
    expect(await commitInfo(mirror, sha)).toEqual({
      sha,
      tree: await repo.git(['rev-parse', `${sha}^{tree}`]),
      parents: [parent],
      author: 'Ada Tester',
      authorEmail: 'ada@example.test',
      committedAt: 1_700_000_123_000,
      message: 'Add login\n\nWith a body line.\nAnd ünïcode.',
    });
    expect((await commitInfo(mirror, parent)).parents).toEqual([]);
  });

  it('lists both parents of a merge', async () => {
    const base = await repo.commit({ 'a.txt': 'base\n' }, 'base');
    await repo.git(['checkout', '--quiet', '-b', 'side']);
    const side = await repo.commit({ 'side.txt': 'side\n' }, 'side');
    await repo.git(['checkout', '--quiet', '-']);
    const main = await repo.commit({ 'main.txt': 'main\n' }, 'main');
    await repo.git(['merge', '--quiet', '--no-ff', '-m', 'merge side', 'side']);
    const merge = await repo.git(['rev-parse', 'HEAD']);
    await repo.push('HEAD:refs/heads/main');
    const mirror = join(repo.root, 'r1.git');
    await ensureMirror(repo.origin, mirror);
    expect((await commitInfo(mirror, merge)).parents).toEqual([main, side]);
    expect(base).not.toBe(main);
  });

  it('reports an unknown commit as GIT_REF_NOT_FOUND', async () => {
    await pushBranches();
    const mirror = join(repo.root, 'r1.git');
    await ensureMirror(repo.origin, mirror);
    expect((await rejection(commitInfo(mirror, 'f'.repeat(40)))).code).toBe('GIT_REF_NOT_FOUND');
    expect((await rejection(commitInfo(mirror, 'HEAD'))).code).toBe('INVALID_ARGUMENT');
  });
});

describe('isAncestor', () => {
  it('answers for ancestors, descendants and unrelated commits', async () => {
    const { first, second } = await pushBranches();
    await repo.git(['checkout', '--quiet', '--orphan', 'other']);
    const unrelated = await repo.commit({ 'x.txt': 'x\n' }, 'unrelated');
    await repo.push('HEAD:refs/heads/other');
    const mirror = join(repo.root, 'r1.git');
    await ensureMirror(repo.origin, mirror);
    expect(await isAncestor(mirror, first, second)).toBe(true);
    expect(await isAncestor(mirror, first, first)).toBe(true);
    expect(await isAncestor(mirror, second, first)).toBe(false);
    expect(await isAncestor(mirror, unrelated, second)).toBe(false);
    expect((await rejection(isAncestor(mirror, 'e'.repeat(40), second))).code).toBe('GIT_REF_NOT_FOUND');
  });
});
