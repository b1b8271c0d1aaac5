// The alarms of a `deployment:` block: which metric of the new versions, compared how with what (an absolute
// threshold, or relative to the old versions in the same window), over which datapoints. Reads one entry
// as written into an AlarmSpec with every default applied, or says what is wrong with it.
import type { AlarmComparison, AlarmMetric, AlarmSpec, TreatMissingData } from './deployment-types.js';
import {
  isDeferred,
  missingKey,
  problem,
  readDurationMs,
  readNumber,
  readOneOf,
  readWholeNumber,
  type FieldProblem,
  type Reading,
  type ReadOptions,
} from './deployment-values.js';

export const ALARM_METRICS: readonly AlarmMetric[] = ['invocations', 'errors', 'errorRate', 'throttles', 'p50Duration', 'p90Duration', 'p99Duration'];
export const ALARM_COMPARISONS: readonly AlarmComparison[] = ['GreaterThanThreshold', 'GreaterThanOrEqualToThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold'];
export const TREAT_MISSING_DATA: readonly TreatMissingData[] = ['missing', 'notBreaching', 'breaching', 'ignore'];
export const ALARM_KEYS = ['name', 'metric', 'threshold', 'relative', 'comparison', 'period', 'evaluationPeriods', 'datapointsToAlarm', 'treatMissingData', 'minInvocations'];

export const ALARM_DEFAULTS = { comparison: 'GreaterThanThreshold', periodMs: 60_000, evaluationPeriods: 1, treatMissingData: 'missing', minInvocations: 10 } as const;

/** `>` and friends, as written in alarm names and accepted as a shorthand for the CloudWatch names. */
export const COMPARISON_SYMBOLS: Record<AlarmComparison, string> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '>=',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
};

type MetricUnit = 'fraction' | 'ms' | 'count';

export function metricUnit(metric: AlarmMetric): MetricUnit {
  if (metric === 'errorRate') return 'fraction';
  return metric.endsWith('Duration') ? 'ms' : 'count';
}

/** A value of the metric in its own words: `0.05`, `800ms`, `12`. */
export function formatMetricValue(metric: AlarmMetric, value: number): string {
  const unit = metricUnit(metric);
  if (unit === 'ms') return `${value >= 10 ? Math.round(value) : Number(value.toFixed(1))}ms`;
  return unit === 'fraction' ? String(Number(value.toFixed(3))) : String(Number(value.toFixed(2)));
}

/** `errorRate > 0.05`, `p99Duration > 1.2x baseline`, `errorRate > baseline +2pt`. */
export function alarmName(spec: Omit<AlarmSpec, 'name'>): string {
  return `${spec.metric} ${COMPARISON_SYMBOLS[spec.comparison]} ${describeLimit(spec)}`;
}

/** The right-hand side of the comparison, in words: `0.05`, `1.2x baseline +50ms`. */
export function describeLimit(spec: Pick<AlarmSpec, 'metric' | 'threshold' | 'relative'>): string {
  if (spec.relative === undefined) return formatMetricValue(spec.metric, spec.threshold);
  const factor = spec.relative.factor === 1 ? 'baseline' : `${spec.relative.factor}x baseline`;
  if (spec.threshold === 0) return factor;
  const offset = metricUnit(spec.metric) === 'fraction' ? `${Number((spec.threshold * 100).toFixed(3))}pt` : formatMetricValue(spec.metric, spec.threshold);
  return `${factor} +${offset}`;
}

const THRESHOLD_EXPECTATIONS: Record<MetricUnit, string> = {
  fraction: 'expected an error rate threshold from 0 to 1 (like 0.05) or a percent (like 5%)',
  ms: 'expected a duration threshold like 800ms or 1.5s (a plain number is milliseconds)',
  count: 'expected a whole number threshold, 0 or more',
};

function readThreshold(value: unknown, unit: MetricUnit): number | undefined {
  if (unit === 'ms') return readDurationMs(value, 1);
  if (unit === 'count') return readWholeNumber(value, 0, Number.MAX_SAFE_INTEGER);
  const percent = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value) : null;
  const fraction = percent !== null ? Number(percent[1]) / 100 : readNumber(value);
  return fraction !== undefined && fraction >= 0 && fraction <= 1 ? fraction : undefined;
}

const RELATIVE_EXPECTATIONS: Record<MetricUnit, string> = {
  fraction: 'expected a relative limit like 1.5x (times the baseline) or +2pt (baseline plus percentage points)',
  ms: 'expected a relative limit like 1.2x (times the baseline) or +100ms (baseline plus a duration)',
  count: 'expected a relative limit like 2x (times the baseline) or +5 (baseline plus a count)',
};

/** `1.2x`, `+2pt`, `+100ms`, `1.1x +50ms`, or a bare factor `1.2`: the factor and the offset in the metric's unit. */
function readRelative(value: unknown, unit: MetricUnit): { factor: number; offset: number } | undefined {
  if (typeof value === 'number') return value > 0 && Number.isFinite(value) ? { factor: value, offset: 0 } : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(?:(\d+(?:\.\d+)?)\s*[x×])?\s*(?:\+\s*(\S.*?))?\s*$/.exec(value);
  if (match === null || (match[1] === undefined && match[2] === undefined)) return undefined;
  const factor = match[1] === undefined ? 1 : Number(match[1]);
  if (factor <= 0) return undefined;
  if (match[2] === undefined) return { factor, offset: 0 };
  const offset = readRelativeOffset(match[2], unit);
  return offset === undefined ? undefined : { factor, offset };
}

function readRelativeOffset(text: string, unit: MetricUnit): number | undefined {
  if (unit === 'ms') return readDurationMs(text, 1);
  if (unit === 'count') return readWholeNumber(text, 0, Number.MAX_SAFE_INTEGER);
  const points = /^(\d+(?:\.\d+)?)\s*pt$/.exec(text);
  return points === null || Number(points[1]) > 100 ? undefined : Number(points[1]) / 100;
}

/** Reads one alarm entry (already known to be a mapping with known keys) into an AlarmSpec with defaults. */
export function readAlarm(entry: Record<string, unknown>, options: ReadOptions): Reading<AlarmSpec> {
  const problems: FieldProblem[] = [];
  const deferred = (key: string) => isDeferred(entry[key], options);
  const pick = <T>(key: string, read: (value: unknown) => T | undefined, expectation: string, fallback: T): T | undefined => {
    if (entry[key] === undefined) return fallback;
    if (deferred(key)) return undefined;
    const value = read(entry[key]);
    if (value === undefined) problems.push(problem([key], expectation, entry[key]));
    return value;
  };
  const oneOf = <T extends string>(key: string, words: readonly T[], what: string, fallback: T | undefined): T | undefined => {
    if (entry[key] === undefined) return fallback;
    if (deferred(key)) return undefined;
    const read = readOneOf(entry[key], words, what);
    if (read.value === undefined) problems.push({ path: [key], message: read.message ?? '' });
    return read.value;
  };

  if (entry.metric === undefined) problems.push(missingKey('metric', `expected the metric to watch: ${ALARM_METRICS.join(', ')}`));
  const metric = oneOf('metric', ALARM_METRICS, 'a metric', undefined);
  const symbolic = Object.entries(COMPARISON_SYMBOLS).find(([, symbol]) => symbol === entry.comparison)?.[0];
  const comparison = symbolic !== undefined ? (symbolic as AlarmComparison) : oneOf('comparison', ALARM_COMPARISONS, 'a comparison (or >, >=, <, <=)', ALARM_DEFAULTS.comparison);
  const periodMs = pick('period', (value) => wholeSeconds(readDurationMs(value, 1000)), 'expected a period of whole seconds, at least 1s, like 10s or 1m (a plain number is seconds)', ALARM_DEFAULTS.periodMs);
  const evaluationPeriods = pick('evaluationPeriods', (value) => readWholeNumber(value, 1, 100), 'expected a whole number of periods from 1 to 100', ALARM_DEFAULTS.evaluationPeriods);
  const datapointsLimit = evaluationPeriods ?? 100;
  const datapointsToAlarm = pick('datapointsToAlarm', (value) => readWholeNumber(value, 1, datapointsLimit), `expected a whole number of datapoints from 1 to evaluationPeriods (${datapointsLimit})`, datapointsLimit);
  const treatMissingData = oneOf('treatMissingData', TREAT_MISSING_DATA, 'how to treat missing data', ALARM_DEFAULTS.treatMissingData);
  const minInvocations = pick('minInvocations', (value) => readWholeNumber(value, 0, Number.MAX_SAFE_INTEGER), 'expected a whole number of invocations, 0 or more', ALARM_DEFAULTS.minInvocations);
  const name = pick('name', (value) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined), 'expected a name for the alarm', '');

  const limit = metric === undefined ? undefined : readLimit(entry, metric, options, problems);
  if (problems.length > 0 || [metric, comparison, periodMs, evaluationPeriods, datapointsToAlarm, treatMissingData, minInvocations, name, limit].includes(undefined)) {
    return { problems };
  }
  const spec: Omit<AlarmSpec, 'name'> = {
    metric: metric as AlarmMetric,
    threshold: limit?.threshold as number,
    comparison: comparison as AlarmComparison,
    periodMs: periodMs as number,
    evaluationPeriods: evaluationPeriods as number,
    datapointsToAlarm: datapointsToAlarm as number,
    treatMissingData: treatMissingData as TreatMissingData,
    minInvocations: minInvocations as number,
    ...(limit?.relative === undefined ? {} : { relative: limit.relative }),
  };
  return { value: { name: name === '' ? alarmName(spec) : (name as string), ...spec }, problems };
}

function wholeSeconds(ms: number | undefined): number | undefined {
  return ms !== undefined && ms % 1000 === 0 ? ms : undefined;
}

/** Exactly one of `threshold` and `relative`, read in the metric's unit. */
function readLimit(entry: Record<string, unknown>, metric: AlarmMetric, options: ReadOptions, problems: FieldProblem[]): { threshold: number; relative?: { factor: number } } | undefined {
  const unit = metricUnit(metric);
  if (entry.threshold !== undefined && entry.relative !== undefined) {
    problems.push({ path: ['relative'], message: 'expected either threshold (an absolute limit) or relative (a limit against the old version), found both' });
    return undefined;
  }
  if (entry.threshold === undefined && entry.relative === undefined) {
    problems.push(missingKey('threshold', `expected threshold (an absolute limit) or relative (a limit against the old version, like 1.2x); ${THRESHOLD_EXPECTATIONS[unit]}`));
    return undefined;
  }
  const key = entry.threshold !== undefined ? 'threshold' : 'relative';
  if (isDeferred(entry[key], options)) return undefined;
  if (key === 'threshold') {
    const threshold = readThreshold(entry.threshold, unit);
    if (threshold === undefined) problems.push(problem(['threshold'], THRESHOLD_EXPECTATIONS[unit], entry.threshold));
    return threshold === undefined ? undefined : { threshold };
  }
  const relative = readRelative(entry.relative, unit);
  if (relative === undefined) problems.push(problem(['relative'], RELATIVE_EXPECTATIONS[unit], entry.relative));
  return relative === undefined ? undefined : { threshold: relative.offset, relative: { factor: relative.factor } };
}

