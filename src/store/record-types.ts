// The store's records that the API returns as they are (stages, deployments, rollouts, events, tokens) and
// the metric sample the rollout machine reads. Only types and no imports beyond lease-types.ts, so the web
// dashboard can import them (`import type`) under the DOM lib without pulling in Node's types.
// Store (types.ts) re-exports them.

import type { Lease } from './lease-types.js';

export type StageKind = 'stage' | 'preview';

export interface StageRecord {
  app: string;
  name: string;
  profile: string;
  kind: StageKind;
  createdAt: number;
  updatedAt: number;
  /** finishedAt of the stage's latest succeeded deployment (any service), or null. */
  lastDeployAt: number | null;
  /** Whether the stage's profile needs an approver (`approval: required`), as last deployed. */
  approval: StageApproval;
}

export type StageApproval = 'required' | 'none';

export type DeploymentStatus = 'running' | 'succeeded' | 'failed' | 'nochange' | 'aborted';

export interface DeploymentRecord {
  id: string;
  app: string;
  stage: string;
  service: string;
  status: DeploymentStatus;
  strategy: string;
  actor: string;
  commitSha: string | null;
  message: string | null;
  /** What changed: functions with their old and new version ids. */
  changes: Array<{ function: string; from: string | null; to: string }>;
  createdAt: number;
  finishedAt: number | null;
}

export interface MetricSample {
  app: string;
  stage: string;
  service: string;
  function: string;
  versionId: string;
  /** Start of the one-second bucket, epoch ms (a multiple of 1000). */
  bucket: number;
  invocations: number;
  errors: number;
  throttles: number;
  durationSumMs: number;
  /** Counts per DURATION_BUCKETS_MS bucket (types.ts); same length. */
  durationHistogram: number[];
}

export type RolloutStatus = 'active' | 'succeeded' | 'failed' | 'aborted';

/** A persisted rollout: the state machine's state as JSON plus the columns the driver queries by. */
export interface RolloutRecord {
  id: string;
  app: string;
  stage: string;
  service: string;
  deploymentId: string;
  status: RolloutStatus;
  /** The machine's whole state (src/engine/rollout/types.ts RolloutState), opaque to the store. */
  state: Record<string, unknown>;
  /** When the driver must wake the rollout next; null when it waits for nothing timed. */
  wakeAt: number | null;
  /** Incremented by every save; a save with a stale revision is refused (no interleaved writers). */
  revision: number;
  createdAt: number;
  updatedAt: number;
  /** The process stepping it, while one holds a lease (see lease-types.ts); absent otherwise. */
  lease?: Lease;
}

export interface EventRecord {
  id: number;
  ts: number;
  type: string;
  actor: string;
  app: string | null;
  stage: string | null;
  service: string | null;
  payload: Record<string, unknown>;
  /** The commit the entry concerns (a deployment's commitSha); null or absent where none applies. */
  commitSha?: string | null;
}

export type TokenRole = 'viewer' | 'deployer' | 'approver' | 'admin';

/** An API token as the store keeps it: everything but the token, which is only ever stored hashed. */
export interface TokenRecord {
  id: string;
  name: string;
  role: TokenRole;
  /** The profiles the token may act on; null for every profile. */
  profiles: string[] | null;
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
  revokedBy: string | null;
}
