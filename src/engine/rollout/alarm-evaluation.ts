// Judges the new versions against each alarm, Flagger/Argo style: every alarm ends successful, failed,
// inconclusive or error, with a sentence that shows the observed values. "No data" never passes: too few
// invocations in a datapoint is missing data, and an alarm succeeds only when every datapoint had enough.
import { describeLimit, formatDuration, formatMetricValue, COMPARISON_SYMBOLS } from '../../manifest/index.js';
import type { MetricSample } from '../../store/types.js';
import { cutWindows, guardCount, metricValue, type MetricWindow } from './metric-windows.js';
import type { AlarmEvaluation, AlarmSpec, AnalysisOutcome } from './types.js';

export interface AnalysisScope {
  newVersionIds: readonly string[];
  /** The old versions, the baseline of relative alarms. */
  baselineVersionIds: readonly string[];
  now: number;
}

type Datapoint = AlarmEvaluation['datapoints'][number];

/** Why a datapoint was not judged on its own data. */
type Gap = 'none' | 'missing' | 'noBaseline';

export function evaluateAlarms(alarms: readonly AlarmSpec[], samples: readonly MetricSample[], scope: AnalysisScope): AlarmEvaluation[] {
  return alarms.map((alarm) => evaluateAlarm(alarm, samples, scope));
}

export function evaluateAlarm(alarm: AlarmSpec, samples: readonly MetricSample[], scope: AnalysisScope): AlarmEvaluation {
  const configProblem = alarmConfigProblem(alarm);
  if (configProblem !== undefined) return configError(alarm, configProblem);
  return judgeWindows(alarm, cutWindows(samples, { ...scope, periodMs: alarm.periodMs, count: alarm.evaluationPeriods }));
}

/** The same over windows the caller has cut already (alarm-history.ts shows their totals too). */
export function evaluateAlarmWindows(alarm: AlarmSpec, cut: { windows: MetricWindow[]; problem?: string }): AlarmEvaluation {
  const configProblem = alarmConfigProblem(alarm);
  return configProblem === undefined ? judgeWindows(alarm, cut) : configError(alarm, configProblem);
}

function configError(alarm: AlarmSpec, problem: string): AlarmEvaluation {
  return { alarm: alarm.name, outcome: 'error', datapoints: [], reason: `${alarm.name} cannot be evaluated: ${problem}` };
}

function judgeWindows(alarm: AlarmSpec, { windows, problem }: { windows: MetricWindow[]; problem?: string }): AlarmEvaluation {
  if (problem !== undefined) {
    const datapoints = windows.map((window) => ({ from: window.from, to: window.to, value: null, baseline: null, invocations: window.current.invocations, breaching: null }));
    return { alarm: alarm.name, outcome: 'error', datapoints, reason: `${alarm.name} cannot be evaluated: ${problem}` };
  }
  const judged = windows.map((window) => judgeDatapoint(alarm, window));
  const datapoints = judged.map((entry) => entry.datapoint);
  const breaches = datapoints.filter((datapoint) => datapoint.breaching === true).length;
  const withData = judged.filter((entry) => entry.gap === 'none').length;
  let outcome: AnalysisOutcome = 'inconclusive';
  if (breaches >= alarm.datapointsToAlarm) outcome = 'failed';
  else if (withData === alarm.evaluationPeriods) outcome = 'successful';
  return { alarm: alarm.name, outcome, datapoints, reason: reasonFor(alarm, outcome, judged) };
}

/** Settings no manifest produces but a hand-built plan could: impossible to compute, hence `error`. */
function alarmConfigProblem(alarm: AlarmSpec): string | undefined {
  if (!Number.isInteger(alarm.periodMs) || alarm.periodMs < 1000 || alarm.periodMs % 1000 !== 0) return `its period (${alarm.periodMs} ms) is not a whole number of seconds`;
  if (!Number.isInteger(alarm.evaluationPeriods) || alarm.evaluationPeriods < 1) return `evaluationPeriods is ${alarm.evaluationPeriods}, expected 1 or more`;
  if (alarm.datapointsToAlarm < 1 || alarm.datapointsToAlarm > alarm.evaluationPeriods) return `datapointsToAlarm is ${alarm.datapointsToAlarm}, expected 1 to ${alarm.evaluationPeriods}`;
  if (alarm.relative !== undefined && !(alarm.relative.factor > 0)) return `its relative factor is ${alarm.relative.factor}, expected above 0`;
  if (!Number.isFinite(alarm.threshold)) return `its threshold is ${alarm.threshold}`;
  return undefined;
}

function judgeDatapoint(alarm: AlarmSpec, window: MetricWindow): { datapoint: Datapoint; gap: Gap; limit: number | null } {
  const value = metricValue(alarm.metric, window.current);
  const enough = value !== null && guardCount(alarm.metric, window.current) >= alarm.minInvocations;
  const baselineValue = alarm.relative === undefined || guardCount(alarm.metric, window.baseline) < alarm.minInvocations ? null : metricValue(alarm.metric, window.baseline);
  const base = { from: window.from, to: window.to, value, baseline: baselineValue, invocations: window.current.invocations };
  if (!enough) return { datapoint: { ...base, breaching: missingDataBreaches(alarm) }, gap: 'missing', limit: null };
  if (alarm.relative !== undefined && baselineValue === null) return { datapoint: { ...base, breaching: null }, gap: 'noBaseline', limit: null };
  const limit = limitFor(alarm, baselineValue);
  return { datapoint: { ...base, breaching: breaches(alarm, value, limit) }, gap: 'none', limit };
}

/** missing and ignore: not judged; breaching / notBreaching: judged so (but never enough to succeed). */
function missingDataBreaches(alarm: AlarmSpec): boolean | null {
  if (alarm.treatMissingData === 'breaching') return true;
  if (alarm.treatMissingData === 'notBreaching') return false;
  return null;
}

/** Absolute: the threshold. Relative: baseline × factor, plus the offset (minus it for Less… comparisons). */
export function limitFor(alarm: AlarmSpec, baseline: number | null): number {
  if (alarm.relative === undefined || baseline === null) return alarm.threshold;
  const greater = alarm.comparison.startsWith('Greater');
  return baseline * alarm.relative.factor + (greater ? alarm.threshold : -alarm.threshold);
}

function breaches(alarm: AlarmSpec, value: number, limit: number): boolean {
  switch (alarm.comparison) {
    case 'GreaterThanThreshold':
      return value > limit;
    case 'GreaterThanOrEqualToThreshold':
      return value >= limit;
    case 'LessThanThreshold':
      return value < limit;
    case 'LessThanOrEqualToThreshold':
      return value <= limit;
  }
}

const NEGATED_SYMBOLS: Record<AlarmSpec['comparison'], string> = {
  GreaterThanThreshold: '<=',
  GreaterThanOrEqualToThreshold: '<',
  LessThanThreshold: '>=',
  LessThanOrEqualToThreshold: '>',
};

/** "errorRate 0.31, 0.4 > 0.05 in 2 of 2 datapoints (window 10:00:01–10:00:11)". */
function reasonFor(alarm: AlarmSpec, outcome: AnalysisOutcome, judged: Array<{ datapoint: Datapoint; gap: Gap; limit: number | null }>): string {
  const total = judged.length;
  const window = describeWindow(judged[0].datapoint.from, judged[total - 1].datapoint.to);
  const format = (value: number) => formatMetricValue(alarm.metric, value);
  const limitText = (entries: typeof judged) => {
    if (alarm.relative === undefined) return describeLimit(alarm);
    const limits = [...new Set(entries.flatMap((entry) => (entry.limit === null ? [] : [format(entry.limit)])))];
    const baselines = [...new Set(entries.flatMap((entry) => (entry.datapoint.baseline === null ? [] : [format(entry.datapoint.baseline)])))];
    return `${limits.join(', ')} (${describeLimit(alarm)}, baseline ${baselines.join(', ')})`;
  };
  if (outcome === 'failed') {
    const breaching = judged.filter((entry) => entry.datapoint.breaching === true);
    const observed = breaching.filter((entry) => entry.gap === 'none');
    const missing = breaching.length - observed.length;
    const values = observed.map((entry) => format(entry.datapoint.value as number));
    const parts = [
      values.length > 0 ? `${values.join(', ')} ${COMPARISON_SYMBOLS[alarm.comparison]} ${limitText(observed)}` : '',
      missing > 0 ? `${missing} datapoint${missing === 1 ? '' : 's'} with fewer than ${alarm.minInvocations} invocations (treated as breaching)` : '',
    ].filter((part) => part !== '');
    return `${alarm.metric} ${parts.join(', plus ')} in ${breaching.length} of ${total} datapoints (window ${window})`;
  }
  if (outcome === 'successful') {
    const values = judged.map((entry) => format(entry.datapoint.value as number));
    return `${alarm.metric} ${values.join(', ')} ${NEGATED_SYMBOLS[alarm.comparison]} ${limitText(judged)} in ${total} of ${total} datapoints (window ${window})`;
  }
  const missing = judged.filter((entry) => entry.gap === 'missing').length;
  const noBaseline = judged.filter((entry) => entry.gap === 'noBaseline').length;
  const gaps = [
    missing > 0 ? `${missing} with fewer than ${alarm.minInvocations} invocations of the new version` : '',
    noBaseline > 0 ? `${noBaseline} without baseline data (fewer than ${alarm.minInvocations} invocations of the old version)` : '',
  ].filter((text) => text !== '');
  return `${alarm.metric}: not enough data to judge, ${gaps.join(' and ')} of ${total} datapoint${total === 1 ? '' : 's'} of ${formatDuration(alarm.periodMs)} (window ${window})`;
}

/** `10:00:01–10:00:11` in UTC, with milliseconds only when the bounds have some. */
function describeWindow(from: number, to: number): string {
  const clock = (ms: number) => {
    const text = new Date(ms).toISOString().slice(11, 23);
    return text.endsWith('.000') ? text.slice(0, 8) : text;
  };
  return `${clock(from)}–${clock(to)}`;
}
