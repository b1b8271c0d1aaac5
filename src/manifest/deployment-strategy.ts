// Traffic-shifting strategies and their exact schedules: every CodeDeploy name (AllAtOnce, Canary…, Linear…)
// and the custom forms `{ type: canary|linear|steps, … }`. Lives in the manifest layer because validating a
// manifest means knowing the schedule; the rollout machine only ever sees the normalized Schedule.
import { parse as parseYaml } from 'yaml';
import { SluiceError } from '../errors/index.js';
import type { Schedule, ScheduleStep } from './deployment-types.js';
import { didYouMean } from './did-you-mean.js';
import {
  describeFieldProblem,
  formatDuration,
  isDeferred,
  missingKey,
  problem,
  readDurationMs,
  readOneOf,
  readWholeNumber,
  RESOLVED,
  type FieldProblem,
  type Reading,
  type ReadOptions,
} from './deployment-values.js';
import { describeFound } from './yaml-source.js';

const MINUTE_MS = 60_000;

/** The CodeDeploy predefined Lambda configurations, in the order the docs list them. */
export const STRATEGY_NAMES = [
  'AllAtOnce',
  'Canary10Percent5Minutes',
  'Canary10Percent10Minutes',
  'Canary10Percent15Minutes',
  'Canary10Percent30Minutes',
  'Linear10PercentEvery1Minute',
  'Linear10PercentEvery2Minutes',
  'Linear10PercentEvery3Minutes',
  'Linear10PercentEvery10Minutes',
] as const;

export const CUSTOM_STRATEGY_TYPES = ['canary', 'linear', 'steps'] as const;
const CUSTOM_KEYS = ['type', 'percent', 'interval', 'weights'];

const EXPECTED_STRATEGY = `expected a strategy: ${STRATEGY_NAMES.join(', ')}, or a mapping like { type: canary, percent: 10, interval: 5m }`;
const PERCENT_EXPECTATION = 'expected a whole percent from 1 to 100';
const INTERVAL_EXPECTATION = 'expected an interval like 10s, 500ms, 5m, 1h or a number of seconds, above 0';
const STRATEGY_HINT = 'Use a name such as Canary10Percent5Minutes or Linear10PercentEvery1Minute, or a mapping like {type: steps, weights: [1, 5, 25, 50], interval: 30s}.';
const WEIGHTS_EXPECTATION = 'expected a list of whole percents from 1 to 99 that strictly increase, like [1, 5, 25, 50] (100 comes last by itself)';

export const ALL_AT_ONCE: Schedule = { name: 'AllAtOnce', steps: [{ weight: 100, waitMs: 0 }] };

/** `percent` for `waitMs`, then 100%. */
export function canarySchedule(name: string, percent: number, waitMs: number): Schedule {
  return { name, steps: percent >= 100 ? [{ weight: 100, waitMs: 0 }] : [{ weight: percent, waitMs }, { weight: 100, waitMs: 0 }] };
}

/** percent, 2×percent, … each held `waitMs`, then 100%. */
export function linearSchedule(name: string, percent: number, waitMs: number): Schedule {
  const steps: ScheduleStep[] = [];
  for (let weight = percent; weight < 100; weight += percent) steps.push({ weight, waitMs });
  return { name, steps: [...steps, { weight: 100, waitMs: 0 }] };
}

/** Each weight held `waitMs`, then 100%. */
export function stepsSchedule(name: string, weights: readonly number[], waitMs: number): Schedule {
  return { name, steps: [...weights.map((weight) => ({ weight, waitMs })), { weight: 100, waitMs: 0 }] };
}

/**
 * A strategy name: the CodeDeploy names, and the same patterns with other numbers (`Canary25Percent2Minutes`,
 * `Linear20PercentEvery5Minutes`), which DESIGN.md spells CanaryNPercentMMinutes / LinearNPercentEveryMMinutes.
 */
function readStrategyName(name: string): Reading<Schedule> {
  if (name === 'AllAtOnce') return { value: ALL_AT_ONCE, problems: [] };
  const canary = /^Canary(\d+)Percent(\d+)Minutes?$/.exec(name);
  const linear = /^Linear(\d+)PercentEvery(\d+)Minutes?$/.exec(name);
  const match = canary ?? linear;
  if (match === null) return { problems: [{ path: [], message: `${EXPECTED_STRATEGY}, found ${describeFound(name)}${didYouMean(name, STRATEGY_NAMES)}` }] };
  const percent = Number(match[1]);
  const minutes = Number(match[2]);
  if (percent < 1 || percent > 100) return { problems: [{ path: [], message: `${PERCENT_EXPECTATION} in "${name}", found ${percent}` }] };
  if (minutes < 1) return { problems: [{ path: [], message: `expected at least 1 minute in "${name}", found ${minutes}` }] };
  const schedule = canary !== null ? canarySchedule(name, percent, minutes * MINUTE_MS) : linearSchedule(name, percent, minutes * MINUTE_MS);
  return { value: schedule, problems: [] };
}

function readPercent(value: unknown, options: ReadOptions): Reading<number> {
  if (value === undefined) return { problems: [missingKey('percent', PERCENT_EXPECTATION)] };
  if (isDeferred(value, options)) return { problems: [] };
  const percent = readWholeNumber(value, 1, 100);
  if (percent !== undefined) return { value: percent, problems: [] };
  return { problems: [problem(['percent'], PERCENT_EXPECTATION, value)] };
}

function readInterval(value: unknown, options: ReadOptions): Reading<number> {
  if (value === undefined) return { problems: [missingKey('interval', INTERVAL_EXPECTATION)] };
  if (isDeferred(value, options)) return { problems: [] };
  const ms = readDurationMs(value, 1000);
  return ms === undefined ? { problems: [problem(['interval'], INTERVAL_EXPECTATION, value)] } : { value: ms, problems: [] };
}

function readWeights(value: unknown, options: ReadOptions): Reading<number[]> {
  if (value === undefined) return { problems: [missingKey('weights', WEIGHTS_EXPECTATION)] };
  if (isDeferred(value, options)) return { problems: [] };
  if (!Array.isArray(value) || value.length === 0) return { problems: [problem(['weights'], WEIGHTS_EXPECTATION, value)] };
  const problems: FieldProblem[] = [];
  const weights: number[] = [];
  let previous = 0;
  value.forEach((entry: unknown, index) => {
    if (isDeferred(entry, options)) return;
    const weight = readWholeNumber(entry, 1, 99);
    if (weight === undefined) problems.push(problem(['weights', index], 'expected a whole percent from 1 to 99 (100 comes last by itself)', entry));
    else if (weight <= previous) problems.push({ path: ['weights', index], message: `expected weights that strictly increase, found ${weight} after ${previous}` });
    if (weight !== undefined) {
      weights.push(weight);
      previous = Math.max(previous, weight);
    }
  });
  return problems.length > 0 || weights.length < value.length ? { problems } : { value: weights, problems: [] };
}

function readCustomStrategy(mapping: Record<string, unknown>, options: ReadOptions): Reading<Schedule> {
  const problems: FieldProblem[] = [];
  for (const key of Object.keys(mapping).filter((key) => !CUSTOM_KEYS.includes(key))) {
    problems.push({ path: [key], message: `unknown key "${key}"${didYouMean(key, CUSTOM_KEYS)}; expected one of ${CUSTOM_KEYS.join(', ')}` });
  }
  if (mapping.type === undefined) return { problems: [...problems, missingKey('type', `expected the strategy type: ${CUSTOM_STRATEGY_TYPES.join(', ')}`)] };
  if (isDeferred(mapping.type, options)) return { problems };
  const type = readOneOf(mapping.type, CUSTOM_STRATEGY_TYPES, 'a strategy type');
  if (type.value === undefined) return { problems: [...problems, { path: ['type'], message: type.message ?? '' }] };
  const interval = readInterval(mapping.interval, options);
  problems.push(...interval.problems);
  if (type.value === 'steps') {
    if (mapping.percent !== undefined) problems.push({ path: ['percent'], message: 'expected no percent in a steps strategy (its weights say each step), found one' });
    const weights = readWeights(mapping.weights, options);
    problems.push(...weights.problems);
    if (problems.length > 0 || weights.value === undefined || interval.value === undefined) return { problems };
    const name = `custom steps ${weights.value.join(',')}% / ${formatDuration(interval.value)}`;
    return { value: stepsSchedule(name, weights.value, interval.value), problems };
  }
  if (mapping.weights !== undefined) problems.push({ path: ['weights'], message: `expected no weights in a ${type.value} strategy (use type: steps for a list of weights), found some` });
  const percent = readPercent(mapping.percent, options);
  problems.push(...percent.problems);
  if (problems.length > 0 || percent.value === undefined || interval.value === undefined) return { problems };
  const name = `custom ${type.value} ${percent.value}% / ${formatDuration(interval.value)}`;
  const build = type.value === 'canary' ? canarySchedule : linearSchedule;
  return { value: build(name, percent.value, interval.value), problems };
}

/** Reads a strategy as written (a name or a mapping) into its exact schedule, or says what is wrong. */
export function readStrategy(value: unknown, options: ReadOptions = RESOLVED): Reading<Schedule> {
  if (isDeferred(value, options)) return { problems: [] };
  if (typeof value === 'string') return readStrategyName(value.trim());
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return readCustomStrategy(value as Record<string, unknown>, options);
  return { problems: [{ path: [], message: `${EXPECTED_STRATEGY}, found ${describeFound(value)}` }] };
}

/**
 * A strategy from outside a manifest (`--strategy`, the API): a name, a mapping, or a mapping written as
 * YAML/JSON text (`{type: canary, percent: 10, interval: 10s}`). Throws INVALID_ARGUMENT saying what is wrong.
 */
export function parseStrategy(value: unknown): Schedule {
  let written = value;
  if (typeof value === 'string' && value.trim().startsWith('{')) {
    try {
      written = parseYaml(value) as unknown;
    } catch (error) {
      throw new SluiceError('INVALID_ARGUMENT', `Invalid strategy ${value}: not a readable mapping (${(error as Error).message.split('\n')[0]})`, { hint: STRATEGY_HINT });
    }
  }
  const reading = readStrategy(written);
  if (reading.value !== undefined) return reading.value;
  throw new SluiceError('INVALID_ARGUMENT', `Invalid strategy: ${reading.problems.map(describeFieldProblem).join('; ')}`, { hint: STRATEGY_HINT });
}
