// An in-memory GitHost for tests of the pipeline: records every call and keeps the comments the way GitHub
// would (one preview comment per PR, updated in place), so a test asserts on what a PR ends up showing.

import { hasMarker, PREVIEW_COMMENT_MARKER, withMarker } from './comment-marker.js';
import { truncateDescription, type CommitStatus, type GitHost, type PullRequestComment } from './github-reporter.js';

export type GitHostCall = ({ kind: 'status' } & CommitStatus) | ({ kind: 'comment' } & PullRequestComment);

export interface FakeComment {
  id: number;
  repo: string;
  pr: number;
  body: string;
  /** How many times it was written (1 = created, never updated). */
  writes: number;
}

export class FakeGitHost implements GitHost {
  readonly calls: GitHostCall[] = [];
  readonly statuses: CommitStatus[] = [];
  readonly comments = new Map<number, FakeComment>();
  private nextId = 1;
  private failure: Error | null = null;

  /** Every later call throws this error, until failWith(null). */
  failWith(error: Error | null): void {
    this.failure = error;
  }

  async setCommitStatus(status: CommitStatus): Promise<void> {
    this.calls.push({ kind: 'status', ...status });
    if (this.failure) throw this.failure;
    this.statuses.push({ ...status, description: truncateDescription(status.description) });
  }

  async upsertPullRequestComment(comment: PullRequestComment): Promise<number> {
    this.calls.push({ kind: 'comment', ...comment });
    if (this.failure) throw this.failure;
    const marker = comment.marker ?? PREVIEW_COMMENT_MARKER;
    const body = withMarker(comment.body, marker);
    const known = comment.commentId != null ? this.comments.get(comment.commentId) : undefined;
    const existing = known ?? this.commentsOn(comment.repo, comment.pr).find((c) => hasMarker(c.body, marker));
    if (existing) {
      existing.body = body;
      existing.writes += 1;
      return existing.id;
    }
    const created: FakeComment = { id: this.nextId++, repo: comment.repo, pr: comment.pr, body, writes: 1 };
    this.comments.set(created.id, created);
    return created.id;
  }

  /** Simulates someone deleting a comment on GitHub. */
  deleteComment(id: number): void {
    this.comments.delete(id);
  }

  commentsOn(repo: string, pr: number): FakeComment[] {
    return [...this.comments.values()].filter((c) => c.repo === repo && c.pr === pr);
  }

  /** The latest status of each context on a commit, as GitHub shows them. */
  latestStatuses(repo: string, sha: string): Map<string, CommitStatus> {
    const latest = new Map<string, CommitStatus>();
    for (const s of this.statuses) if (s.repo === repo && s.sha === sha) latest.set(s.context, s);
    return latest;
  }
}
