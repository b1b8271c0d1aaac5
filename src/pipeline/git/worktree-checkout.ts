// A working copy of exactly one commit for a pipeline run, made from the repository's mirror as a detached
// `git worktree`. Why a worktree rather than `clone --shared`: the mirror counts every worktree's HEAD as
// reachable, so a branch deleted (and pruned) while a run is under way cannot take the run's objects with it;
// and nothing but the files is copied. The folder must lie inside the parent the caller names.
// Checkouts may be asked for in parallel, but git changes a mirror's worktree list one at a time here:
// `worktree add` reads every other worktree's admin folder and dies on one that a concurrent add is still
// writing ("failed to read …/worktrees/run-3/commondir"), at least up to git 2.39.

import { realpath, rm } from 'node:fs/promises';
import { basename, dirname, resolve as resolvePath, sep } from 'node:path';
import { SluiceError } from '../../errors/index.js';
import { KeyedLock } from '../keyed-lock.js';
import { assertCommitSha, runGit } from './git-command.js';
import { hasCommit, type GitCallOptions } from './repository-mirror.js';

/** Adds and prunes of worktrees, one at a time per mirror (see the header). */
const worktreeChanges = new KeyedLock();

export interface CheckoutOptions extends GitCallOptions {
  /** The folder the checkout must lie inside (e.g. `<home>/checkouts`); anything resolving outside is refused. */
  within: string;
}

/**
 * Checks `sha` out of the mirror into `targetDir` (absent or empty), detached; returns the checkout's real
 * path. The commit must already be in the mirror (fetchMirror / fetchCommit).
 */
export async function checkoutCommit(mirrorDir: string, sha: string, targetDir: string, options: CheckoutOptions): Promise<string> {
  assertCommitSha(sha);
  const target = await resolveInside(options.within, targetDir);
  const gitDir = resolvePath(mirrorDir);
  if (!(await hasCommit(gitDir, sha, options))) throw new SluiceError('GIT_REF_NOT_FOUND', `commit ${sha} is not in the mirror; fetch it first`);
  await worktreeChanges.run(gitDir, () => runGit(['--git-dir=' + gitDir, 'worktree', 'add', '--quiet', '--detach', '--', target, sha], options));
  return target;
}

/** Deletes the checkout folder and forgets it in the mirror (its commit may then be collected). */
export async function removeCheckout(mirrorDir: string, targetDir: string, options: CheckoutOptions): Promise<void> {
  const target = await resolveInside(options.within, targetDir);
  // Deleting the folder first, then pruning, works whatever the run left behind (untracked files, nested
  // repositories, a half-made checkout) where `worktree remove` would refuse.
  await rm(target, { recursive: true, force: true });
  const gitDir = resolvePath(mirrorDir);
  await worktreeChanges.run(gitDir, () => runGit(['--git-dir=' + gitDir, 'worktree', 'prune'], options));
}

/**
 * The real path of `targetDir`, which must be strictly inside `parentDir` once symlinks and `..` are
 * resolved (the target itself may not exist yet; its parent folder must).
 */
export async function resolveInside(parentDir: string, targetDir: string): Promise<string> {
  const parent = await realpath(resolvePath(parentDir)).catch((error: unknown) => {
    throw new SluiceError('INVALID_ARGUMENT', `checkout parent folder ${parentDir} does not exist`, { cause: error });
  });
  const wanted = resolvePath(parent, targetDir);
  const real = await realpath(wanted).catch(async () => resolvePath(await realpath(dirname(wanted)).catch(() => dirname(wanted)), basename(wanted)));
  if (!real.startsWith(parent + sep) || real.length <= parent.length + 1) {
    throw new SluiceError('INVALID_ARGUMENT', `checkout folder ${JSON.stringify(targetDir)} is not inside ${parent}`);
  }
  return real;
}
