// One alarm's datapoints over a stretch of a rollout, for people (the dashboard's rollout page): per period,
// the new versions' value beside the old ones', the limit it is held to and whether it breaches. The windows
// are cut once by cutWindows and judged by the alarm evaluation itself, so the chart shows what the machine
// decides.
//
// Unlike the machine's sliding windows (which end at `now`), these periods are aligned to the rollout's
// start, so a datapoint keeps its place from one refresh to the next; the newest one may be partial.
import { evaluateAlarmWindows, limitFor } from './alarm-evaluation.js';
import { cutWindows, guardCount, metricValue } from './metric-windows.js';
import type { MetricSample } from '../../store/types.js';
import type { AlarmHistoryPoint, AlarmSpec } from './types.js';

export interface AlarmHistoryQuery {
  newVersionIds: readonly string[];
  baselineVersionIds: readonly string[];
  /** The rollout's start: the first period begins here. */
  from: number;
  /** Now, or the rollout's end: samples from this second on are left out. */
  to: number;
  /** Only the newest periods beyond this many. Default 1000. */
  maxPoints?: number;
}

export interface AlarmHistory {
  datapoints: AlarmHistoryPoint[];
  /** Why the alarm cannot be evaluated (a hand-made plan, a malformed sample); the datapoints then carry no verdict. */
  problem: string | null;
}

const DEFAULT_HISTORY_POINTS = 1000;

/** The periods alarmHistory will cut, as [start, end): for the caller's metrics query. */
export function historyRange(alarm: Pick<AlarmSpec, 'periodMs'>, query: Pick<AlarmHistoryQuery, 'from' | 'to' | 'maxPoints'>): { start: number; end: number; count: number } {
  const period = Math.max(1, alarm.periodMs);
  const total = Math.max(1, Math.ceil((query.to - query.from) / period));
  const count = Math.min(total, query.maxPoints ?? DEFAULT_HISTORY_POINTS);
  const end = query.from + total * period;
  return { start: end - count * period, end, count };
}

export function alarmHistory(alarm: AlarmSpec, samples: readonly MetricSample[], query: AlarmHistoryQuery): AlarmHistory {
  const { end, count } = historyRange(alarm, query);
  const inRange = samples.filter((sample) => sample.bucket < query.to);
  const scope = { newVersionIds: query.newVersionIds, baselineVersionIds: query.baselineVersionIds, now: end };
  // Evaluated as one alarm spanning every period; only the per-datapoint verdicts are used, not the outcome.
  const spanning: AlarmSpec = { ...alarm, evaluationPeriods: count, datapointsToAlarm: Math.min(Math.max(alarm.datapointsToAlarm, 1), count) };
  const cut = cutWindows(inRange, { ...scope, periodMs: alarm.periodMs, count });
  const evaluation = evaluateAlarmWindows(spanning, cut);
  const problem = evaluation.outcome === 'error' ? evaluation.reason : null;
  const datapoints = cut.windows.map((window, index): AlarmHistoryPoint => {
    const judged = evaluation.datapoints[index];
    const canary = metricValue(alarm.metric, window.current);
    const judgedBaseline = judged?.baseline ?? null;
    const baselineShort = alarm.relative !== undefined && judgedBaseline === null;
    return {
      t: window.from,
      canary,
      baseline: metricValue(alarm.metric, window.baseline),
      limit: alarm.relative === undefined ? alarm.threshold : judgedBaseline === null ? null : limitFor(alarm, judgedBaseline),
      breaching: judged?.breaching === true,
      noData: canary === null || guardCount(alarm.metric, window.current) < alarm.minInvocations || baselineShort,
      invocations: window.current.invocations,
    };
  });
  return { datapoints, problem };
}
