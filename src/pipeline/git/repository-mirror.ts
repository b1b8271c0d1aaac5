// A bare mirror per connected repository (e.g. `<home>/repos/<repoId>.git`): the one local copy of its
// branches that checkouts are made from. Fetches mirror `refs/heads/*` with --prune, so a deleted branch
// vanishes here too; a single commit from elsewhere (a fork's pull-request head) is kept under
// `refs/sluice/commits/<sha>`, outside what --prune touches. The repository URL is always passed explicitly
// (no stored remote), so changing a repository's URL needs nothing here.

import { mkdir } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { SluiceError } from '../../errors/index.js';
import { KeyedLock } from '../keyed-lock.js';
import { assertBranchName, assertCommitSha, isMissingRefError, isValidBranchName, normalizeRepositoryUrl, runGit } from './git-command.js';

export interface GitCallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface FetchMirrorOptions extends GitCallOptions {
  /** Fetch only these branches (no pruning); a branch missing on the remote is GIT_REF_NOT_FOUND. */
  branches?: string[];
}

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  author: string;
  authorEmail: string;
  /** Committer date, ms since the epoch. */
  committedAt: number;
  /** The full message, without its trailing newline. */
  message: string;
}

/** Creates the bare mirror at `dir` if needed (init is idempotent) and fetches every branch. */
export async function ensureMirror(url: string, dir: string, options: GitCallOptions = {}): Promise<void> {
  const remote = normalizeRepositoryUrl(url);
  const gitDir = resolvePath(dir);
  await mirrorLocks.run(gitDir, async () => {
    await mkdir(gitDir, { recursive: true });
    await runGit(['init', '--bare', '--quiet', '--', gitDir], options);
  });
  await fetchMirror(gitDir, remote, options);
}

/**
 * Brings the mirror's branches in line with the remote: `+refs/heads/*:refs/heads/*` with --prune, or only
 * the named branches. Fetches of one mirror run one at a time (concurrent fetches fight over ref locks).
 */
export async function fetchMirror(dir: string, url: string, options: FetchMirrorOptions = {}): Promise<void> {
  const remote = normalizeRepositoryUrl(url);
  const gitDir = resolvePath(dir);
  const fetch = ['--git-dir=' + gitDir, 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--no-recurse-submodules'];
  if (options.branches === undefined) {
    await mirrorLocks.run(gitDir, () => runGit([...fetch, '--prune', '--', remote, '+refs/heads/*:refs/heads/*'], options));
    return;
  }
  if (options.branches.length === 0) return;
  for (const branch of options.branches) assertBranchName(branch);
  const refspecs = options.branches.map((branch) => `+refs/heads/${branch}:refs/heads/${branch}`);
  try {
    await mirrorLocks.run(gitDir, () => runGit([...fetch, '--', remote, ...refspecs], options));
  } catch (error) {
    if (isMissingRefError(error)) throw new SluiceError('GIT_REF_NOT_FOUND', `a branch is not on the remote: ${(error as Error).message}`, { cause: error });
    throw error;
  }
}

/**
 * Makes one commit available in the mirror, fetched by sha from `url` (a fork's clone URL); does nothing
 * when the mirror already has it. The commit stays reachable from `refs/sluice/commits/<sha>`.
 */
export async function fetchCommit(dir: string, url: string, sha: string, options: GitCallOptions = {}): Promise<void> {
  assertCommitSha(sha);
  const remote = normalizeRepositoryUrl(url);
  const gitDir = resolvePath(dir);
  if (await hasCommit(gitDir, sha)) return;
  try {
    await mirrorLocks.run(gitDir, () => runGit(['--git-dir=' + gitDir, 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--no-recurse-submodules', '--', remote, `+${sha}:refs/sluice/commits/${sha}`], options));
  } catch (error) {
    if (isMissingRefError(error)) throw new SluiceError('GIT_REF_NOT_FOUND', `commit ${sha} is not in ${remote}`, { cause: error });
    throw error;
  }
  if (!(await hasCommit(gitDir, sha))) throw new SluiceError('GIT_REF_NOT_FOUND', `commit ${sha} is not in ${remote}`);
}

/** Branch → head sha of a remote URL or a local repository (a mirror), via `git ls-remote --heads`. */
export async function listBranches(urlOrDir: string, options: GitCallOptions = {}): Promise<Map<string, string>> {
  const remote = normalizeRepositoryUrl(urlOrDir);
  const { stdout } = await runGit(['ls-remote', '--heads', '--', remote], options);
  return parseBranchHeads(stdout);
}

/**
 * Parses `<sha>\trefs/heads/<name>` lines, keeping names exactly; lines a well-behaved git would never
 * print (a bad sha, a name git refuses such as `../../etc`) are dropped, since the remote may be hostile.
 */
export function parseBranchHeads(lsRemoteOutput: string): Map<string, string> {
  const heads = new Map<string, string>();
  for (const line of lsRemoteOutput.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const sha = line.slice(0, tab);
    const ref = line.slice(tab + 1);
    if (!/^[0-9a-f]{40}$/.test(sha) || !ref.startsWith('refs/heads/')) continue;
    const branch = ref.slice('refs/heads/'.length);
    if (isValidBranchName(branch)) heads.set(branch, sha);
  }
  return heads;
}

/** Whether the mirror has the commit (and it is a commit). */
export async function hasCommit(dir: string, sha: string, options: GitCallOptions = {}): Promise<boolean> {
  assertCommitSha(sha);
  // Exit 1: no such commit; a missing or broken mirror still fails (128) instead of reading as "absent".
  const { exitCode } = await runGit(['--git-dir=' + resolvePath(dir), 'rev-parse', '--verify', '--quiet', `${sha}^{commit}`], { ...options, allowExitCodes: [1] });
  return exitCode === 0;
}

const FIELD = '%x00';

/** The facts of one commit a run records: tree, parents, author, date, message. */
export async function commitInfo(dir: string, sha: string, options: GitCallOptions = {}): Promise<CommitInfo> {
  assertCommitSha(sha);
  const gitDir = resolvePath(dir);
  const format = ['%T', '%P', '%an', '%ae', '%ct', '%B'].join(FIELD);
  // One git call: a commit the mirror lacks fails it as a missing ref.
  const { stdout } = await runGit(['--git-dir=' + gitDir, 'show', '-s', '--no-color', '--encoding=UTF-8', `--format=${format}`, `${sha}^{commit}`], options).catch((error: unknown) => {
    if (isMissingRefError(error)) throw new SluiceError('GIT_REF_NOT_FOUND', `commit ${sha} is not in the mirror; fetch it first`);
    throw error;
  });
  const fields = splitFields(stdout, 6);
  const [tree, parents, author, authorEmail, committedAt, message] = fields;
  return {
    sha,
    tree,
    parents: parents === '' ? [] : parents.split(' '),
    author,
    authorEmail,
    committedAt: Number(committedAt) * 1000,
    message: message.replace(/\n+$/, ''),
  };
}

/** Whether `ancestor` is `descendant` or one of its ancestors (a fast-forward from one to the other). */
export async function isAncestor(dir: string, ancestor: string, descendant: string, options: GitCallOptions = {}): Promise<boolean> {
  assertCommitSha(ancestor);
  assertCommitSha(descendant);
  const gitDir = resolvePath(dir);
  try {
    const { exitCode } = await runGit(['--git-dir=' + gitDir, 'merge-base', '--is-ancestor', ancestor, descendant], { ...options, allowExitCodes: [1] });
    return exitCode === 0;
  } catch (error) {
    if (isMissingRefError(error) || /not a valid commit|no such commit/i.test((error as Error).message)) {
      throw new SluiceError('GIT_REF_NOT_FOUND', `commit ${ancestor} or ${descendant} is not in the mirror`, { cause: error });
    }
    throw error;
  }
}

/** Splits on the first `count - 1` NULs; the last field (the message) keeps anything after them. */
function splitFields(text: string, count: number): string[] {
  const fields: string[] = [];
  let rest = text;
  for (let i = 0; i < count - 1; i++) {
    const at = rest.indexOf('\0');
    if (at < 0) throw new SluiceError('GIT_FAILED', 'git show printed an unexpected commit format');
    fields.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  fields.push(rest);
  return fields;
}

/** Operations on one mirror of this process run one after the other (git's ref locks would fail each other). */
const mirrorLocks = new KeyedLock();
