// The rollout vocabulary: the closed set of phases, events and actions of the traffic-shifting state machine
// `step(state, event, now) → { state, actions }`, and an alarm's datapoints as people see them. Pure data: the
// driver persists states and performs actions; the web dashboard imports these types too.

import type { MetricSample } from '../../store/record-types.js';
import type { RolloutPlanSpec } from '../../manifest/deployment-types.js';

export type { AlarmComparison, AlarmMetric, AlarmSpec, HookSpec, RolloutPlanSpec, Schedule, ScheduleStep, TreatMissingData } from '../../manifest/deployment-types.js';

/** Per function of the service: the version serving before, and the new one being shifted in. */
export interface ShiftedFunction {
  function: string;
  from: string | null;
  to: string;
}

export type RolloutPhase =
  | 'preTraffic' // waiting for the preTraffic hook; no traffic on the new versions
  | 'shifting' // at schedule step `stepIndex`, analysing until `nextStepAt`
  | 'postTraffic' // at 100%, waiting for the postTraffic hook
  | 'rollingBack' // live is being returned to the old versions
  | 'succeeded'
  | 'failed' // rolled back after an alarm, hook failure or hook timeout
  | 'aborted'; // rolled back by a person

export type AnalysisOutcome = 'successful' | 'failed' | 'inconclusive' | 'error';

export interface AlarmEvaluation {
  alarm: string;
  outcome: AnalysisOutcome;
  /** Per evaluated datapoint: value of the new version, baseline when relative, invocations, breaching. */
  datapoints: Array<{ from: number; to: number; value: number | null; baseline: number | null; invocations: number; breaching: boolean | null }>;
  /** Human sentence with the observed values: "errorRate 0.31 > 0.05 in 2 of 2 datapoints". */
  reason: string;
}

export interface RolloutState {
  id: string;
  app: string;
  stage: string;
  service: string;
  deploymentId: string;
  functions: ShiftedFunction[];
  plan: RolloutPlanSpec;
  phase: RolloutPhase;
  /** Index into plan.schedule.steps of the weight now applied; -1 before any traffic. */
  stepIndex: number;
  /** Weight (0..100) of the new versions now applied. */
  weight: number;
  paused: boolean;
  /** When the current step's wait ends (absolute ms); remaining wait is kept while paused. */
  nextStepAt: number | null;
  /** Remaining wait of the step when it was paused. */
  pausedRemainingMs: number | null;
  /** Deadline of the hook being waited for. */
  hookDeadline: number | null;
  startedAt: number;
  updatedAt: number;
  finishedAt: number | null;
  /** Why it failed or was aborted, in plain words with the observed values. */
  reason: string | null;
  /** Who aborted it (`abort`), so a finished rollback ends `aborted` rather than `failed`. */
  abortedBy: string | null;
  /** When the machine wants its next `tick` (absolute ms); null when it waits for nothing timed. */
  wakeAt: number | null;
  lastAnalysis: AlarmEvaluation[];
}

export type RolloutEvent =
  | { type: 'start' }
  /** Time passed: the driver's wake-up. */
  | { type: 'tick' }
  /** Metric samples of the new versions and the old ones, for the analysis window the machine asked for. */
  | { type: 'metrics'; samples: MetricSample[] }
  | { type: 'hookResult'; hook: 'preTraffic' | 'postTraffic' | 'confirmPromotion'; outcome: 'succeeded' | 'failed'; reason?: string }
  | { type: 'promote'; full: boolean; actor: string }
  | { type: 'pause'; actor: string }
  | { type: 'resume'; actor: string }
  | { type: 'abort'; actor: string; reason?: string }
  /** The driver confirms that a rollback's weights are applied. */
  | { type: 'rolledBack' };

export type RolloutAction =
  | { type: 'setWeight'; weight: number }
  | { type: 'runHook'; hook: 'preTraffic' | 'postTraffic' | 'confirmPromotion'; deadline: number }
  | { type: 'collectMetrics'; from: number; to: number }
  /** Restore 100% of the old versions (or remove the aliases of functions that had none). */
  | { type: 'rollback' }
  | { type: 'wakeAt'; at: number }
  | { type: 'emit'; event: RolloutNotice }
  | { type: 'finish'; status: 'succeeded' | 'failed' | 'aborted'; reason: string | null };

export type Severity = 'debug' | 'info' | 'warning' | 'critical';

/** What the world hears about a transition (SSE, `rollout watch`, webhooks). */
export interface RolloutNotice {
  kind: string;
  severity: Severity;
  message: string;
  weight: number;
  phase: RolloutPhase;
}

export interface StepResult {
  state: RolloutState;
  actions: RolloutAction[];
}

/** One period of an alarm over a rollout, as people see it (alarm-history.ts; the dashboard's rollout page). */
export interface AlarmHistoryPoint {
  /** Start of the period [t, t + periodMs). */
  t: number;
  /** The metric over the new versions' calls in the period; null without calls (rates, percentiles). */
  canary: number | null;
  /** The same over the old versions' calls. */
  baseline: number | null;
  /** What the canary is compared with: the threshold, or the relative limit from the baseline (null without enough baseline calls). */
  limit: number | null;
  /** Judged breaching by the rollout's own evaluation (with too little data: as treatMissingData says). */
  breaching: boolean;
  /** Too few calls to judge on data: fewer than minInvocations of the new versions (or, relative, of the old ones). */
  noData: boolean;
  /** Calls of the new versions in the period. */
  invocations: number;
}
