// The dashboard's overview as the API returns it (overview.ts builds it): types only, importable by the web
// dashboard without the store's implementation.

import type { RunKind, RunStatus } from '../store/pipeline-types.js';
import type { StageApproval, StageKind } from '../store/record-types.js';
import type { RolloutPhase } from './rollout/types.js';

export interface Overview {
  generatedAt: number;
  windowSeconds: number;
  apps: OverviewApp[];
}

export interface OverviewApp {
  app: string;
  /** Every service deployed in any stage or preview of the app, sorted. */
  services: string[];
  /** Stages of kind `stage`: by name, with `staging` then `prod` last. */
  stages: OverviewStage[];
  /** Newest first. */
  previews: OverviewPreview[];
}

export interface OverviewStage {
  name: string;
  profile: string;
  kind: StageKind;
  approval: StageApproval;
  lastDeployAt: number | null;
  /** By service; only services deployed in this stage. */
  cells: Record<string, OverviewCell>;
  /** The newest unfinished pipeline run (queued, running, awaiting_approval) targeting this stage. */
  run: { id: string; number: number; status: RunStatus; kind: RunKind } | null;
}

export interface OverviewPreview extends OverviewStage {
  branch: string;
  pr: number | null;
  createdAt: number;
  lastActivityAt: number;
  protected: boolean;
}

export interface OverviewCell {
  url: string;
  deployedAt: number;
  /** Targets of the functions' live aliases that carry traffic (weight > 0). */
  versions: Array<{ function: string; versionId: string; number: number; weight: number }>;
  health: ServiceHealth;
  /** The service's active rollout. */
  rollout: { id: string; weight: number; strategy: string; phase: RolloutPhase; paused: boolean } | null;
}

export interface ServiceHealth {
  invocations: number;
  errors: number;
  /** errors / invocations; null without invocations. */
  errorRate: number | null;
  /** From the duration histogram of every version of every function; null without invocations. */
  p99Ms: number | null;
}
