// The store port's part for git-driven delivery: connected repositories and the branch heads a watcher last
// saw, webhook deliveries (deduplicated by id), pipeline runs (leased like rollouts) with their logs,
// previews, and releases (what a deploy shipped, so a promotion or a revert redeploys the same artifact).
// Store (types.ts) extends PipelineStore. How it works: run-queries.ts (runs, logs) and pipeline-queries.ts.

import type { Lease, LeaseRef, InboxEntry, RenewedLease } from './lease-types.js';

/** A repository Sluice watches (`sluice connect git`) or receives GitHub webhooks from (`connect github`). */
export interface RepositoryRecord {
  /** Short id used in URLs (`/hooks/git/:id`), e.g. `r1a2b3c`. */
  id: string;
  app: string;
  kind: 'git' | 'github';
  /** Clone URL or local path of the repository (for GitHub: the https clone URL or a local mirror). */
  url: string;
  /** Folder inside the repository holding sluice.app.yml ('.' for the root). */
  appDir: string;
  /** `owner/name` on GitHub (or a compatible forge); null for plain git. */
  githubRepo: string | null;
  /** The webhook secret, sealed with the master key (AES-256-GCM), like secrets; null for plain git. */
  webhookSecret: string | null;
  /** How often the watcher lists the remote's branches; 0 = only on notify/webhooks. */
  pollIntervalMs: number;
  createdAt: number;
  updatedAt: number;
}

export type NewRepository = Omit<RepositoryRecord, 'createdAt' | 'updatedAt'>;

/** A branch as the watcher last saw it on the remote. */
export interface BranchHeadRecord {
  repoId: string;
  branch: string;
  sha: string;
  updatedAt: number;
}

/** queued: waits for a slot; running: a step is under way; awaiting_approval: waits for `sluice approve`. */
export type RunStatus = 'queued' | 'running' | 'awaiting_approval' | 'succeeded' | 'failed' | 'canceled' | 'rejected';

export const FINISHED_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'canceled', 'rejected'];

export function isFinishedRunStatus(status: RunStatus): boolean {
  return FINISHED_RUN_STATUSES.includes(status);
}

/**
 * preview: checks, deploy to a preview stage, integration. branch: checks, deploy (or promote) to the stage
 * the branch maps to, approval first when its profile requires it. destroy: remove a preview.
 * checks: checks only (a branch neither previewed nor mapped).
 */
export type RunKind = 'preview' | 'branch' | 'destroy' | 'checks' | 'promote';

export interface PipelineRunRecord {
  id: string;
  /** 1, 2, 3… per app: what people call the run (`#12`). */
  number: number;
  app: string;
  repoId: string | null;
  kind: RunKind;
  branch: string | null;
  /** The exact commit the run checks out (40 hex); null for a destroy. */
  sha: string | null;
  pr: number | null;
  /** Target stage (the preview's, or the mapped one). */
  stage: string | null;
  /** A pull request from a fork: checks get no secrets and no deploy token. */
  fork: boolean;
  status: RunStatus;
  /** What started it: `{ source: 'github' | 'git' | 'cli' | 'sweeper', event, deliveryId?, actor }`. */
  trigger: Record<string, unknown>;
  /** The run's whole state (steps, approval, outcome), owned by the pipeline; opaque to the store. */
  state: Record<string, unknown>;
  /** Why it failed, was canceled or rejected, in plain words; null otherwise. */
  reason: string | null;
  wakeAt: number | null;
  revision: number;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
  lease?: Lease;
}

export type NewRun = Pick<PipelineRunRecord, 'id' | 'app' | 'repoId' | 'kind' | 'branch' | 'sha' | 'pr' | 'stage' | 'fork' | 'trigger' | 'state'> & {
  status?: RunStatus;
  wakeAt?: number | null;
};

export interface RunUpdate {
  status: RunStatus;
  state: Record<string, unknown>;
  wakeAt: number | null;
  reason?: string | null;
}

export interface RunQuery {
  app?: string;
  repoId?: string;
  branch?: string;
  /** Only runs in these statuses. */
  statuses?: RunStatus[];
  limit?: number;
}

export interface RunLogLine {
  runId: string;
  /** 1, 2, 3… per run, assigned by the store: `--follow` asks for lines after the last one it saw. */
  seq: number;
  step: string;
  stream: 'stdout' | 'stderr' | 'system';
  line: string;
  ts: number;
}

export interface RunClaim {
  run: PipelineRunRecord;
  lease: Lease;
  previousHolder: string | null;
  previousExpiresAt: number | null;
}

/** A stage made for a branch or pull request. The stage itself is a StageRecord of kind 'preview'. */
export interface PreviewRecord {
  app: string;
  stage: string;
  repoId: string | null;
  branch: string;
  pr: number | null;
  headSha: string;
  /** Last push or run; the sweeper removes previews idle longer than `previews.ttl`. */
  lastActivityAt: number;
  /** The PR comment carrying the links, once posted, so it is updated in place. */
  commentId: number | null;
  /** Whether its URLs require a token (`previews.protect`). */
  protected: boolean;
  createdAt: number;
}

/** What one deploy of a stage shipped: the manifest sources and the code hash of every function. */
export interface ReleaseRecord {
  id: string;
  app: string;
  stage: string;
  commitSha: string | null;
  /** The commit's tree: a merge or a revert with the same tree ships the same release. */
  treeSha: string | null;
  /** ManifestSources (file path → text) as deployed. */
  sources: Record<string, string>;
  /** `service.function` → code hash (artifact) of its bundle. */
  functionCode: Record<string, string>;
  params: Record<string, string>;
  runId: string | null;
  createdAt: number;
}

export type NewRelease = Omit<ReleaseRecord, 'createdAt'>;

export interface PipelineStore {
  upsertRepository(repo: NewRepository): Promise<RepositoryRecord>;
  getRepository(id: string): Promise<RepositoryRecord | undefined>;
  listRepositories(app?: string): Promise<RepositoryRecord[]>;
  /** Also forgets its branch heads. */
  deleteRepository(id: string): Promise<boolean>;

  listBranchHeads(repoId: string): Promise<BranchHeadRecord[]>;
  setBranchHead(repoId: string, branch: string, sha: string, now: number): Promise<void>;
  deleteBranchHead(repoId: string, branch: string): Promise<void>;

  /** Records a webhook delivery id; true the first time, false for a redelivery (the same id again). */
  recordWebhookDelivery(id: string, event: string, receivedAt: number): Promise<boolean>;

  /** Assigns the next number of the app. */
  createRun(run: NewRun, now: number): Promise<PipelineRunRecord>;
  getRun(id: string): Promise<PipelineRunRecord | undefined>;
  /** Newest first. */
  listRuns(query: RunQuery): Promise<PipelineRunRecord[]>;
  /**
   * Saves when the revision matches (and, with a lease, while it is still the run's): else undefined.
   * A finished status sets finishedAt and clears wake and lease.
   */
  saveRun(id: string, expectedRevision: number, update: RunUpdate, now: number, lease?: LeaseRef): Promise<PipelineRunRecord | undefined>;
  countRuns(query: RunQuery): Promise<number>;

  /** The same lease mechanism as rollouts (lease-queries.ts): unfinished runs are the leased work. */
  claimDueRuns(holder: string, now: number, ttlMs: number, limit: number, options?: { includeOwn?: boolean }): Promise<RunClaim[]>;
  claimRun(id: string, holder: string, now: number, ttlMs: number): Promise<RunClaim | undefined>;
  renewRunLeases(holder: string, leases: Array<{ id: string; token: number }>, now: number, ttlMs: number): Promise<RenewedLease[]>;
  releaseRunLease(id: string, lease: LeaseRef, now: number): Promise<boolean>;
  holdsRunLease(id: string, lease: LeaseRef): Promise<boolean>;
  /**
   * Leaves an event for the run's holder (PostgreSQL notifies); returns the inbox entry id. A run nobody
   * holds is made due at `now` (default: the store's clock), so the next claim pass takes it and reads the
   * inbox, also when it waited for nothing timed (wakeAt null, e.g. awaiting approval).
   */
  postRunEvent(id: string, event: Record<string, unknown>, now?: number): Promise<number>;
  listRunInbox(id: string): Promise<InboxEntry[]>;

  /** Appends lines; seq is assigned in order per run. */
  appendRunLogs(lines: Array<Omit<RunLogLine, 'seq'>>): Promise<void>;
  listRunLogs(runId: string, options?: { afterSeq?: number; limit?: number }): Promise<RunLogLine[]>;

  upsertPreview(preview: Omit<PreviewRecord, 'createdAt'>, now: number): Promise<void>;
  getPreview(app: string, stage: string): Promise<PreviewRecord | undefined>;
  listPreviews(app?: string): Promise<PreviewRecord[]>;
  deletePreview(app: string, stage: string): Promise<void>;

  createRelease(release: NewRelease, now: number): Promise<ReleaseRecord>;
  /** Newest first. */
  listReleases(query: { app: string; stage?: string; limit?: number }): Promise<ReleaseRecord[]>;
  /** The newest release of any of the stages whose tree is treeSha. */
  findReleaseByTree(app: string, stages: string[], treeSha: string): Promise<ReleaseRecord | undefined>;
  deleteReleases(app: string, stage: string): Promise<void>;
}
