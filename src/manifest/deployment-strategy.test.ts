import { describe, expect, it } from 'vitest';
import { isSluiceError, type SluiceError } from '../errors/index.js';
import { parseStrategy, readStrategy, STRATEGY_NAMES } from './deployment-strategy.js';

const MIN = 60_000;

function invalidStrategy(value: unknown): SluiceError {
  try {
    parseStrategy(value);
  } catch (error) {
    if (isSluiceError(error)) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
}

describe('named strategies have the exact CodeDeploy schedules', () => {
  it('AllAtOnce is one step of 100%', () => {
    expect(parseStrategy('AllAtOnce')).toEqual({ name: 'AllAtOnce', steps: [{ weight: 100, waitMs: 0 }] });
  });

  it.each([
    ['Canary10Percent5Minutes', 5],
    ['Canary10Percent10Minutes', 10],
    ['Canary10Percent15Minutes', 15],
    ['Canary10Percent30Minutes', 30],
  ])('%s is 10%% for %i minutes, then 100%%', (name, minutes) => {
    expect(parseStrategy(name)).toEqual({ name, steps: [{ weight: 10, waitMs: minutes * MIN }, { weight: 100, waitMs: 0 }] });
  });

  it.each([
    ['Linear10PercentEvery1Minute', 1],
    ['Linear10PercentEvery2Minutes', 2],
    ['Linear10PercentEvery3Minutes', 3],
    ['Linear10PercentEvery10Minutes', 10],
  ])('%s is 10, 20, … 90%% each held %i minutes, then 100%%', (name, minutes) => {
    const schedule = parseStrategy(name);
    expect(schedule.name).toBe(name);
    expect(schedule.steps.map((s) => s.weight)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(schedule.steps.slice(0, 9).every((s) => s.waitMs === minutes * MIN)).toBe(true);
    expect(schedule.steps[9]).toEqual({ weight: 100, waitMs: 0 });
  });

  it('knows exactly the nine CodeDeploy names, and every one parses', () => {
    expect(STRATEGY_NAMES).toHaveLength(9);
    for (const name of STRATEGY_NAMES) expect(parseStrategy(name).steps.at(-1)).toEqual({ weight: 100, waitMs: 0 });
  });

  it('accepts the same patterns with other numbers', () => {
    expect(parseStrategy('Canary25Percent2Minutes').steps).toEqual([{ weight: 25, waitMs: 2 * MIN }, { weight: 100, waitMs: 0 }]);
    expect(parseStrategy('Linear30PercentEvery5Minutes').steps.map((s) => s.weight)).toEqual([30, 60, 90, 100]);
  });

  it('suggests the closest name for a misspelt one', () => {
    const error = invalidStrategy('Canary10Percent5Minuts');
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('found "Canary10Percent5Minuts" (did you mean "Canary10Percent5Minutes"?)');
    expect(invalidStrategy('allatonce').message).toContain('did you mean "AllAtOnce"?');
  });

  it('rejects a named pattern with a percent of 0', () => {
    expect(invalidStrategy('Canary0Percent5Minutes').message).toContain('expected a whole percent from 1 to 100 in "Canary0Percent5Minutes", found 0');
  });
});

describe('custom strategies', () => {
  it('canary: percent for the interval, then 100%', () => {
    expect(parseStrategy({ type: 'canary', percent: 10, interval: '10s' })).toEqual({
      name: 'custom canary 10% / 10s',
      steps: [{ weight: 10, waitMs: 10_000 }, { weight: 100, waitMs: 0 }],
    });
  });

  it('linear: multiples of percent below 100, each held the interval, then 100%', () => {
    expect(parseStrategy({ type: 'linear', percent: 20, interval: '1m' })).toEqual({
      name: 'custom linear 20% / 60s',
      steps: [20, 40, 60, 80].map((weight) => ({ weight, waitMs: MIN })).concat([{ weight: 100, waitMs: 0 }]),
    });
    expect(parseStrategy({ type: 'linear', percent: 33, interval: 5 }).steps.map((s) => s.weight)).toEqual([33, 66, 99, 100]);
  });

  it('steps: each weight held the interval, then 100%', () => {
    expect(parseStrategy({ type: 'steps', weights: [1, 5, 25, 50], interval: '30s' })).toEqual({
      name: 'custom steps 1,5,25,50% / 30s',
      steps: [
        { weight: 1, waitMs: 30_000 },
        { weight: 5, waitMs: 30_000 },
        { weight: 25, waitMs: 30_000 },
        { weight: 50, waitMs: 30_000 },
        { weight: 100, waitMs: 0 },
      ],
    });
  });

  it('a canary of 100% is all at once', () => {
    expect(parseStrategy({ type: 'canary', percent: 100, interval: '1m' }).steps).toEqual([{ weight: 100, waitMs: 0 }]);
  });

  it.each([
    ['10s', 10_000],
    ['500ms', 500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    [15, 15_000],
    ['15', 15_000],
    ['1.5s', 1_500],
  ])('reads the interval %j as %i ms', (interval, ms) => {
    expect(parseStrategy({ type: 'canary', percent: 5, interval }).steps[0].waitMs).toBe(ms);
  });

  it('reads a mapping written as text, as --strategy receives it', () => {
    expect(parseStrategy('{type: canary, percent: 20, interval: 10s}').steps).toEqual([{ weight: 20, waitMs: 10_000 }, { weight: 100, waitMs: 0 }]);
  });

  it('rejects a percent of 0 or over 100 with a clear message', () => {
    expect(invalidStrategy({ type: 'canary', percent: 0, interval: '10s' }).message).toBe('Invalid strategy: percent: expected a whole percent from 1 to 100, found 0');
    expect(invalidStrategy({ type: 'linear', percent: 120, interval: '10s' }).message).toBe('Invalid strategy: percent: expected a whole percent from 1 to 100, found 120');
  });

  it('rejects weights that do not strictly increase, or leave 1..99', () => {
    expect(invalidStrategy({ type: 'steps', weights: [1, 5, 5, 50], interval: '10s' }).message).toBe(
      'Invalid strategy: weights[2]: expected weights that strictly increase, found 5 after 5',
    );
    expect(invalidStrategy({ type: 'steps', weights: [10, 100], interval: '10s' }).message).toContain('weights[1]: expected a whole percent from 1 to 99 (100 comes last by itself), found 100');
    expect(invalidStrategy({ type: 'steps', weights: [], interval: '10s' }).message).toContain('weights: expected a list of whole percents');
  });

  it('rejects bad intervals, unknown types and keys, and missing keys', () => {
    expect(invalidStrategy({ type: 'canary', percent: 10, interval: '0s' }).message).toContain('interval: expected an interval like 10s');
    expect(invalidStrategy({ type: 'canary', percent: 10, interval: 'soon' }).message).toContain('found "soon"');
    expect(invalidStrategy({ type: 'canry', percent: 10, interval: '1m' }).message).toContain('found "canry" (did you mean "canary"?)');
    expect(invalidStrategy({ type: 'canary', percnt: 10, interval: '1m' }).message).toContain('unknown key "percnt" (did you mean "percent"?)');
    expect(invalidStrategy({ type: 'canary', interval: '1m' }).message).toContain('missing required key "percent"');
    expect(invalidStrategy({ type: 'steps', percent: 10, weights: [5], interval: '1m' }).message).toContain('expected no percent in a steps strategy');
    expect(invalidStrategy(5).message).toContain('expected a strategy: AllAtOnce');
    expect(invalidStrategy('{type: [').message).toContain('not a readable mapping');
  });

  it('defers parts holding variables in the raw phase and checks them once resolved', () => {
    expect(readStrategy({ type: 'canary', percent: '${param:pct}', interval: '10s' }, { deferVariables: true })).toEqual({ problems: [] });
    expect(readStrategy('${param:strategy}', { deferVariables: true })).toEqual({ problems: [] });
    expect(readStrategy({ type: 'canary', percent: '${param:pct}', interval: '10s' }).problems).toHaveLength(1);
  });
});
