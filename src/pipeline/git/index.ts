// The pipeline's git layer: hardened git commands, a bare mirror per repository, checkouts of exact commits,
// the branch watcher for plain git remotes and the post-receive hook that pokes it.

export { runGit, assertCommitSha, isValidBranchName, assertBranchName, normalizeRepositoryUrl, redactCredentials, DEFAULT_GIT_TIMEOUT_MS } from './git-command.js';
export type { RunGitOptions, GitResult } from './git-command.js';
export { ensureMirror, fetchMirror, fetchCommit, listBranches, hasCommit, commitInfo, isAncestor } from './repository-mirror.js';
export type { GitCallOptions, FetchMirrorOptions, CommitInfo } from './repository-mirror.js';
export { checkoutCommit, removeCheckout } from './worktree-checkout.js';
export type { CheckoutOptions } from './worktree-checkout.js';
export { BranchWatcher, diffBranches } from './branch-watcher.js';
export type { BranchChange, BranchHeadStore, BranchWatcherOptions, ChangeOrigin } from './branch-watcher.js';
export { postReceiveHookScript } from './post-receive-hook.js';
