// A rollout's analysis as the API returns it (rollout-analysis.ts builds it): types only, importable by the
// web dashboard without the store's implementation.

import type { RolloutStatus } from '../store/record-types.js';
import type { AlarmComparison, AlarmHistoryPoint, AlarmMetric, AnalysisOutcome, RolloutPhase, ScheduleStep } from './rollout/types.js';

export interface RolloutAnalysis {
  rollout: {
    id: string;
    status: RolloutStatus;
    phase: RolloutPhase;
    weight: number;
    paused: boolean;
    /** The schedule as written: `Canary10Percent5Minutes`. */
    strategy: string;
    steps: ScheduleStep[];
    stepIndex: number;
    nextStepAt: number | null;
    startedAt: number;
    finishedAt: number | null;
    /** Why it failed or was aborted, in plain words with the observed values. */
    reason: string | null;
    /** Per function: the version it shifts from (null for a new function) and to. */
    functions: Array<{ function: string; from: VersionRef | null; to: VersionRef }>;
  };
  alarms: AlarmAnalysis[];
}

export interface VersionRef {
  versionId: string;
  /** 0 when the version was deleted since. */
  number: number;
}

export interface AlarmAnalysis {
  name: string;
  metric: AlarmMetric;
  comparison: AlarmComparison;
  /** The absolute threshold; null for a relative alarm. */
  threshold: number | null;
  /** A relative alarm's limit in words (`1.2x baseline +50ms`); null for an absolute one. */
  relative: string | null;
  periodMs: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  minInvocations: number;
  /** The machine's latest verdict on this alarm (sliding windows ending at that analysis), if any. */
  last: { outcome: AnalysisOutcome; reason: string } | null;
  /** Why the alarm cannot be evaluated; null normally. */
  problem: string | null;
  datapoints: AlarmHistoryPoint[];
}
