// What a service's `deployment:` block means once validated: the exact traffic schedule, the alarms that judge
// the new versions, and the hooks. Produced by the manifest layer, consumed by the engine's rollout machine.

/** One step of a schedule: shift the new versions to `weight` percent, then wait `waitMs` before the next. */
export interface ScheduleStep {
  weight: number;
  waitMs: number;
}

/** A strategy normalized to its exact schedule; the last step always has weight 100 and waitMs 0. */
export interface Schedule {
  /** As written: `Canary10Percent5Minutes`, `custom canary 20% / 10s`, … */
  name: string;
  steps: ScheduleStep[];
}

export type AlarmMetric = 'invocations' | 'errors' | 'errorRate' | 'throttles' | 'p50Duration' | 'p90Duration' | 'p99Duration';
export type AlarmComparison = 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';
export type TreatMissingData = 'missing' | 'notBreaching' | 'breaching' | 'ignore';

export interface AlarmSpec {
  /** Defaults to the comparison in words: `errorRate > 0.05`, `p99Duration > 1.2x baseline`. */
  name: string;
  metric: AlarmMetric;
  /** Absolute threshold (durations in ms, errorRate as a fraction 0..1), or the offset of a relative alarm. */
  threshold: number;
  comparison: AlarmComparison;
  periodMs: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: TreatMissingData;
  /** A datapoint with fewer invocations of the new version is "no data" for judging. */
  minInvocations: number;
  /**
   * Relative alarm: the value is compared with the old version's value in the same window:
   * breaching when value > baseline * factor + threshold (for Greater… comparisons; mirrored for Less…).
   * e.g. p99 > 1.2 × baseline → { factor: 1.2 }, threshold 0; errorRate > baseline + 2 points → factor 1, threshold 0.02.
   */
  relative?: { factor: number };
}

export interface HookSpec {
  /** Handler of the hook function in the service (`src/hooks.pre`), deployed and run like a function. */
  handler?: string;
  /** An HTTP gate called with a signed body instead of a function. */
  url?: string;
  /** The published version of the hook's function; filled by the engine before the rollout starts. */
  versionId?: string;
  timeoutMs: number;
}

export interface RolloutPlanSpec {
  schedule: Schedule;
  alarms: AlarmSpec[];
  hooks: { preTraffic?: HookSpec; postTraffic?: HookSpec; confirmPromotion?: HookSpec };
  /** Webhooks of the app (sluice.app.yml `notifications:`) as they were when the deploy started. */
  notifications?: Array<{ url: string; severity: 'debug' | 'info' | 'warning' | 'critical'; secret: string }>;
}
