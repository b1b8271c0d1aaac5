// Reports pipeline progress back to GitHub: commit statuses (the checks line on a commit / PR) and ONE
// preview comment per pull request, kept up to date in place. `GitHost` is the port the pipeline talks to;
// createGithubHost implements it with @octokit/rest (github.com or GitHub Enterprise through baseUrl),
// FakeGitHost (fake-git-host.ts) records calls for tests.

import { Octokit } from '@octokit/rest';
import { SluiceError } from '../../errors/index.js';
import { SLUICE_VERSION } from '../../version.js';
import { hasMarker, PREVIEW_COMMENT_MARKER, withMarker } from './comment-marker.js';

export { PREVIEW_COMMENT_MARKER, previewCommentMarker } from './comment-marker.js';

/** GitHub rejects longer status descriptions. */
export const STATUS_DESCRIPTION_MAX = 140;

export type CommitState = 'pending' | 'success' | 'failure' | 'error';

export interface CommitStatus {
  /** `owner/name`. */
  repo: string;
  sha: string;
  state: CommitState;
  /** The status line's name, e.g. `sluice/preview`; one line per context on a commit. */
  context: string;
  /** One line; cut to 140 characters. */
  description: string;
  /** Where "Details" leads (the run in the dashboard). */
  targetUrl?: string | null;
}

export interface PullRequestComment {
  repo: string;
  pr: number;
  /** Markdown; the marker is added when missing. */
  body: string;
  /** What tells this comment from the others on the PR (previewCommentMarker(app)); default PREVIEW_COMMENT_MARKER. */
  marker?: string;
  /** The id a previous upsert returned, if the caller kept it. */
  commentId?: number | null;
}

export interface GitHost {
  setCommitStatus(status: CommitStatus): Promise<void>;
  /** Updates the PR's preview comment in place, or creates it; returns its id. */
  upsertPullRequestComment(comment: PullRequestComment): Promise<number>;
}

export interface GithubHostOptions {
  token: string;
  /** `https://api.github.com` (default) or a GitHub Enterprise API root such as `https://ghe.example/api/v3`. */
  baseUrl?: string;
  /** Per request; GitHub calls must not hold a pipeline run forever. Default 15 s. */
  timeoutMs?: number;
  /**
   * The login the token posts as. When set, only that account's comments count as the preview comment, so a
   * user who pastes the marker into their own comment cannot get it overwritten. Unset: any comment with the
   * marker (fine for a bot account whose token cannot edit others' comments).
   */
  commentAuthor?: string;
}

export function createGithubHost(options: GithubHostOptions): GitHost {
  if (!options.token) throw new SluiceError('INVALID_ARGUMENT', 'A GitHub token is required to report to GitHub.');
  const token = options.token;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const octokit = new Octokit({
    auth: token,
    baseUrl: (options.baseUrl ?? 'https://api.github.com').replace(/\/+$/, ''),
    userAgent: `sluice/${SLUICE_VERSION}`,
    // Octokit logs every failed request on stderr; ours are thrown as SluiceErrors for the run's log instead.
    log: { debug: noop, info: noop, warn: noop, error: noop },
    // A deadline on every HTTP request, pagination's included (per-call `request` options do not reach those).
    request: { fetch: (url: string, init?: RequestInit) => fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) }) },
  });

  async function call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw githubFailure(what, error, token);
    }
  }

  /** False when the comment no longer exists (deleted by someone), so the caller creates a new one. */
  async function updateComment(owner: string, repo: string, commentId: number, body: string): Promise<boolean> {
    try {
      await octokit.rest.issues.updateComment({ owner, repo, comment_id: commentId, body });
      return true;
    } catch (error) {
      if (isGone(error)) return false;
      throw githubFailure(`Updating comment ${commentId} on ${owner}/${repo}`, error, token);
    }
  }

  async function findPreviewComment(owner: string, repo: string, pr: number, marker: string): Promise<number | null> {
    return call(`Listing the comments of ${owner}/${repo}#${pr}`, async () => {
      const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, { owner, repo, issue_number: pr, per_page: 100 });
      for await (const page of pages) {
        const ours = page.data.find(
          (c) => hasMarker(c.body, marker) && (!options.commentAuthor || c.user?.login === options.commentAuthor),
        );
        if (ours) return ours.id;
      }
      return null;
    });
  }

  return {
    async setCommitStatus(status) {
      const { owner, repo } = splitRepo(status.repo);
      await call(`Setting the ${status.context} status of ${status.sha.slice(0, 12)} on ${status.repo}`, () =>
        octokit.rest.repos.createCommitStatus({
          owner,
          repo,
          sha: status.sha,
          state: status.state,
          context: status.context,
          description: truncateDescription(status.description),
          ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
        }),
      );
    },

    async upsertPullRequestComment(comment) {
      const { owner, repo } = splitRepo(comment.repo);
      const marker = comment.marker ?? PREVIEW_COMMENT_MARKER;
      const body = withMarker(comment.body, marker);
      if (comment.commentId != null && (await updateComment(owner, repo, comment.commentId, body))) return comment.commentId;
      const existing = await findPreviewComment(owner, repo, comment.pr, marker);
      if (existing !== null && (await updateComment(owner, repo, existing, body))) return existing;
      const created = await call(`Commenting on ${comment.repo}#${comment.pr}`, () =>
        octokit.rest.issues.createComment({ owner, repo, issue_number: comment.pr, body }),
      );
      return created.data.id;
    },
  };
}

/** Cut to GitHub's 140 characters (code points, so an emoji is never split), ending with `…` when cut. */
export function truncateDescription(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const chars = [...line];
  return chars.length <= STATUS_DESCRIPTION_MAX ? line : `${chars.slice(0, STATUS_DESCRIPTION_MAX - 1).join('')}…`;
}

export function splitRepo(repo: string): { owner: string; repo: string } {
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(repo);
  if (!match) throw new SluiceError('INVALID_ARGUMENT', `"${repo}" is not a GitHub repository; expected owner/name.`);
  return { owner: match[1]!, repo: match[2]! };
}

function noop(): void {}

function httpStatus(error: unknown): number | undefined {
  // Only a received response has one: Octokit also reports network failures and timeouts with a made-up 500.
  return (error as { response?: { status?: number } } | null)?.response?.status;
}

function isGone(error: unknown): boolean {
  const status = httpStatus(error);
  return status === 404 || status === 410;
}

function githubFailure(what: string, error: unknown, token: string): SluiceError {
  const status = httpStatus(error);
  const reason = error instanceof Error ? error.message : String(error);
  // GitHub's messages do not echo the token, but a proxy's might: never let it reach a log or a user.
  const message = `${what} failed${status ? ` (HTTP ${status})` : ''}: ${reason}`.split(token).join('***');
  return new SluiceError('GITHUB_REQUEST_FAILED', message);
}
