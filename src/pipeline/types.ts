// The pipeline's vocabulary: the git events that start runs (from GitHub webhooks or the git watcher), and
// the state of a run as the store keeps it.

/** A change on a connected repository, whichever way it arrived. Branch names are untrusted text. */
export type GitEvent = PushEvent | BranchDeletedEvent | PullRequestEvent;

export interface EventOrigin {
  repoId: string;
  /** Who caused it (the pusher's or PR author's login / name). */
  actor: string;
  /** GitHub's X-GitHub-Delivery id; absent for the watcher. */
  deliveryId?: string;
  source: 'github' | 'git';
}

export interface PushEvent extends EventOrigin {
  type: 'push';
  branch: string;
  /** The new head commit, 40 hex. */
  sha: string;
  /** The previous head, or null when the branch was created. */
  before: string | null;
}

export interface BranchDeletedEvent extends EventOrigin {
  type: 'branch_deleted';
  branch: string;
}

export interface PullRequestEvent extends EventOrigin {
  type: 'pull_request';
  action: 'opened' | 'synchronize' | 'reopened' | 'closed' | 'labeled';
  number: number;
  /** The head branch (in the fork, for a fork PR). */
  branch: string;
  /** Head commit, 40 hex. */
  sha: string;
  baseBranch: string;
  /** The head repository differs from the base one. */
  fork: boolean;
  /** Where the head commit can be fetched from (the fork's clone URL); null = the repository itself. */
  headCloneUrl: string | null;
  merged: boolean;
  labels: string[];
  /** For `labeled`: the label just added (GitHub's `label.name`), so adding another label starts nothing. */
  label?: string;
}

// The validated `pipeline:` settings are the manifest's. Named from the types file, not manifest/index.ts, so
// the web dashboard can import RunState without type-checking the manifest loader (node:fs).
export type { BranchTarget, CommandStep, PipelineConfig, PreviewSettings } from '../manifest/pipeline-types.js';

export type StepName = 'checkout' | 'checks' | 'deploy' | 'integration' | 'approval' | 'promote' | 'destroy';
export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'canceled';

export interface RunStep {
  name: StepName;
  status: StepStatus;
  startedAt: number | null;
  finishedAt: number | null;
  /** One line on what happened (e.g. "3 checks passed", "deployed 2 services", the failure). */
  detail: string | null;
}

/** What the store keeps in a run's `state`. */
export interface RunState {
  steps: RunStep[];
  /** Commit facts read at checkout. */
  commit?: { tree: string; author: string; authorEmail: string; message: string };
  approval?: {
    required: boolean;
    preventSelfReview: boolean;
    decision: 'approved' | 'rejected' | null;
    by: string | null;
    at: number | null;
    comment: string | null;
  };
  /** Service → URL of the deployed stage, and per service the commit's immutable URL for previews. */
  urls?: Record<string, string>;
  commitUrls?: Record<string, string>;
  /** The release deployed or promoted. */
  releaseId?: string;
  /** `service.function` → version id live after the deploy. */
  versions?: Record<string, string>;
}
