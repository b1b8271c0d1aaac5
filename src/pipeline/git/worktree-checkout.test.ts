// Checkouts of exact commits from a mirror: contents, parallel checkouts, surviving a pruned and collected
// mirror, removal, and refusing folders outside the given parent.
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SluiceError } from '../../errors/index.js';
import { ensureMirror, fetchMirror } from './repository-mirror.js';
import { checkoutCommit, removeCheckout } from './worktree-checkout.js';
import { createTestRepository, plainGit, type TestRepository } from './git-test-repository.js';

let repo: TestRepository;
let mirror: string;
let checkouts: string;
let first: string;
let second: string;

beforeEach(async () => {
  repo = await createTestRepository();
  first = await repo.commit({ 'app.txt': 'version one\n', 'lib/keep.txt': 'kept\n' }, 'first');
  second = await repo.commit({ 'app.txt': 'version two\n', 'new.txt': 'new\n' }, 'second');
  await repo.push('HEAD:refs/heads/main');
  mirror = join(repo.root, 'repos', 'r1.git');
  await ensureMirror(repo.origin, mirror);
  checkouts = join(repo.root, 'checkouts');
  await mkdir(checkouts);
});

afterEach(async () => {
  await repo.cleanup();
});

async function rejection(promise: Promise<unknown>): Promise<SluiceError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(SluiceError);
  return error as SluiceError;
}

describe('checkoutCommit', () => {
  it('checks out exactly the given commit, not the branch head', async () => {
    const dir = await checkoutCommit(mirror, first, join(checkouts, 'run-1'), { within: checkouts });
    expect(dir).toBe(join(checkouts, 'run-1'));
    expect(await readFile(join(dir, 'app.txt'), 'utf8')).toBe('version one\n');
    expect(await readFile(join(dir, 'lib/keep.txt'), 'utf8')).toBe('kept\n');
    expect(existsSync(join(dir, 'new.txt'))).toBe(false);
    expect(await plainGit(['rev-parse', 'HEAD'], { cwd: dir })).toBe(first);
    expect(await plainGit(['status', '--porcelain'], { cwd: dir })).toBe('');
  });

  it('accepts a folder the caller already created, empty', async () => {
    await mkdir(join(checkouts, 'run-2'));
    const dir = await checkoutCommit(mirror, second, join(checkouts, 'run-2'), { within: checkouts });
    expect(await readFile(join(dir, 'app.txt'), 'utf8')).toBe('version two\n');
  });

  it('makes checkouts in parallel, each of its own commit', async () => {
    const shas = [first, second, first, second, first, second];
    const dirs = await Promise.all(shas.map((sha, i) => checkoutCommit(mirror, sha, join(checkouts, `run-${i}`), { within: checkouts })));
    const contents = await Promise.all(dirs.map((dir) => readFile(join(dir, 'app.txt'), 'utf8')));
    expect(contents).toEqual(shas.map((sha) => (sha === first ? 'version one\n' : 'version two\n')));
    const heads = await Promise.all(dirs.map((dir) => plainGit(['rev-parse', 'HEAD'], { cwd: dir })));
    expect(heads).toEqual(shas);
  });

  it('keeps working after its branch is deleted, pruned and the mirror garbage-collected', async () => {
    await repo.git(['checkout', '--quiet', '-b', 'doomed']);
    const doomed = await repo.commit({ 'app.txt': 'doomed\n' }, 'doomed work');
    await repo.push('HEAD:refs/heads/doomed');
    await fetchMirror(mirror, repo.origin);
    const dir = await checkoutCommit(mirror, doomed, join(checkouts, 'run-doomed'), { within: checkouts });

    await repo.push(':refs/heads/doomed');
    await fetchMirror(mirror, repo.origin);
    await plainGit(['--git-dir=' + mirror, 'reflog', 'expire', '--expire=now', '--all']);
    await plainGit(['--git-dir=' + mirror, 'gc', '--quiet', '--prune=now']);

    expect(await plainGit(['cat-file', '-t', doomed], { cwd: dir })).toBe('commit');
    expect(await plainGit(['status', '--porcelain'], { cwd: dir })).toBe('');
    expect(await readFile(join(dir, 'app.txt'), 'utf8')).toBe('doomed\n');
  });

  it('reports a commit the mirror does not have as GIT_REF_NOT_FOUND', async () => {
    const error = await rejection(checkoutCommit(mirror, 'c'.repeat(40), join(checkouts, 'run-x'), { within: checkouts }));
    expect(error.code).toBe('GIT_REF_NOT_FOUND');
    expect(existsSync(join(checkouts, 'run-x'))).toBe(false);
  });

  it('refuses anything but a sha', async () => {
    for (const sha of ['main', '../../etc', '--upload-pack=x', first.toUpperCase(), `${first} `]) {
      expect((await rejection(checkoutCommit(mirror, sha, join(checkouts, 'run-x'), { within: checkouts }))).code).toBe('INVALID_ARGUMENT');
    }
    expect(await readdir(checkouts)).toEqual([]);
  });

  it('refuses folders outside the parent, through .., absolute paths or symlinks', async () => {
    const outside = join(repo.root, 'outside');
    await mkdir(outside);
    await symlink(outside, join(checkouts, 'link'));
    for (const target of ['../../etc', join(checkouts, '..', 'outside', 'run'), outside, join(checkouts, 'link'), join(checkouts, 'link', 'run'), checkouts, '/etc']) {
      const error = await rejection(checkoutCommit(mirror, first, target, { within: checkouts }));
      expect({ target, code: error.code }).toEqual({ target, code: 'INVALID_ARGUMENT' });
    }
    expect(await readdir(outside)).toEqual([]);
  });
});

describe('removeCheckout', () => {
  it('deletes the folder, whatever the run left in it, and forgets the worktree in the mirror', async () => {
    const dir = await checkoutCommit(mirror, first, join(checkouts, 'run-1'), { within: checkouts });
    const kept = await checkoutCommit(mirror, second, join(checkouts, 'run-2'), { within: checkouts });
    await mkdir(join(dir, 'node_modules', 'x'), { recursive: true });
    await plainGit(['init', '--quiet', join(dir, 'nested')]);
    await removeCheckout(mirror, dir, { within: checkouts });
    expect(existsSync(dir)).toBe(false);
    const worktrees = await plainGit(['--git-dir=' + mirror, 'worktree', 'list', '--porcelain']);
    expect(worktrees).not.toContain('run-1');
    expect(worktrees).toContain(kept);
    expect(await readFile(join(kept, 'app.txt'), 'utf8')).toBe('version two\n');
  });

  it('refuses to delete outside the parent', async () => {
    const outside = join(repo.root, 'outside');
    await mkdir(outside);
    expect((await rejection(removeCheckout(mirror, outside, { within: checkouts }))).code).toBe('INVALID_ARGUMENT');
    expect((await rejection(removeCheckout(mirror, '..', { within: checkouts }))).code).toBe('INVALID_ARGUMENT');
    expect(existsSync(outside)).toBe(true);
    expect(existsSync(checkouts)).toBe(true);
  });
});
