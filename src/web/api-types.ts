// The shapes of the control plane's answers the dashboard reads (docs/api.md), from the server's own types.
// Only `import type` from the server's dependency-free `*-types.ts` files: Vite erases them, so no server code
// enters the bundle, and `tsc -p src/web` checks them under the DOM lib without Node's types.
// Declared here only where the JSON is not the server type as it is, each with the reason.

import type { PipelineRunRecord, RepositoryRecord } from '../store/pipeline-types.js';
import type { RolloutRecord as StoredRolloutRecord, TokenRole } from '../store/record-types.js';
import type { RunState } from '../pipeline/types.js';
import type { RolloutState } from '../engine/rollout/types.js';

export type { DeploymentRecord, EventRecord, StageApproval, StageRecord, TokenRecord, TokenRole } from '../store/record-types.js';
export type { RunLogLine, RunStatus } from '../store/pipeline-types.js';
export type { RunState, RunStep, StepStatus } from '../pipeline/types.js';
export type { RolloutPhase, RolloutState, ScheduleStep } from '../engine/rollout/types.js';
export type { Overview, OverviewCell, OverviewPreview, OverviewStage, ServiceHealth } from '../engine/overview-types.js';
export type { StageInfo } from '../engine/stage-info-types.js';
export type { StageMetrics } from '../engine/stage-metrics-types.js';
export type { AlarmAnalysis, RolloutAnalysis, VersionRef } from '../engine/rollout-analysis-types.js';
export type { ProfileSummary } from '../engine/profile-summary-types.js';

/**
 * `GET /api/whoami`: the caller and the actor it acts as. Declared here because the server's CallerIdentity
 * lives in src/server/caller-identity.ts beside node:crypto, which the web's typecheck cannot follow.
 */
export interface Identity {
  kind: 'token' | 'bootstrap' | 'local';
  name: string;
  role: TokenRole;
  profiles: string[] | null;
  actor?: string;
}

/** The store keeps a rollout's state as opaque JSON; it is the rollout machine's RolloutState. */
export type RolloutRecord = Omit<StoredRolloutRecord, 'state'> & { state: RolloutState };

/**
 * A pipeline run as the API returns it: the store keeps `state` and `trigger` as opaque JSON; `state` is the
 * pipeline's RunState, `trigger` what started the run (pipeline-intake.ts, preview-sweeper.ts; the fields the
 * dashboard shows).
 */
export type Run = Omit<PipelineRunRecord, 'state' | 'trigger'> & {
  state: RunState;
  trigger: { source?: string; event?: string; actor?: string };
};

// A value from the server: its module imports types only, so the bundle takes nothing else with it.
export { isFinishedRunStatus } from '../store/pipeline-types.js';

/** `GET /api/repositories`: the record without its sealed webhook secret (only whether one is set), with its hook URLs. */
export type Repository = Omit<RepositoryRecord, 'webhookSecret'> & { webhookSecretSet: boolean; notifyUrl: string; webhookUrl: string };
