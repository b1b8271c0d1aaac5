import { describe, expect, it } from 'vitest';
import { Cron } from 'croner';
import { parseScheduleExpression } from './schedule-expression.js';

describe('parseScheduleExpression', () => {
  it.each([
    ['rate(1 minute)', 60_000],
    ['rate(5 minutes)', 300_000],
    ['rate(1 hour)', 3_600_000],
    ['rate(2 hours)', 7_200_000],
    ['rate(1 day)', 86_400_000],
    ['rate(3 days)', 259_200_000],
    ['rate(10 seconds)', 10_000],
    ['rate(1 second)', 1_000],
  ])('reads %s', (expression, everyMs) => {
    expect(parseScheduleExpression(expression)).toEqual({ kind: 'rate', everyMs });
  });

  it('translates AWS cron to croner: ? as *, seconds first, Sunday-based day numbers shifted', () => {
    expect(parseScheduleExpression('cron(0 12 * * ? *)')).toEqual({ kind: 'cron', pattern: '0 0 12 * * *' });
    expect(parseScheduleExpression('cron(15 10 ? * 2-6 *)')).toEqual({ kind: 'cron', pattern: '0 15 10 * * 1-5' });
    expect(parseScheduleExpression('cron(0/5 8-17 ? * MON-FRI *)')).toEqual({ kind: 'cron', pattern: '0 0/5 8-17 * * MON-FRI' });
    expect(parseScheduleExpression('cron(0 9 ? * 1,7 *)')).toEqual({ kind: 'cron', pattern: '0 0 9 * * 0,6' });
    expect(parseScheduleExpression('cron(0 18 L * ? *)')).toEqual({ kind: 'cron', pattern: '0 0 18 L * *' });
  });

  it('fires an AWS weekday cron on the right day', () => {
    // cron(0 10 ? * 2 *) is Mondays at 10:00 UTC; 2024-01-01 was a Monday.
    const spec = parseScheduleExpression('cron(0 10 ? * 2 *)');
    if (spec.kind !== 'cron') throw new Error('expected cron');
    const next = new Cron(spec.pattern, { timezone: 'UTC', paused: true }).nextRun(new Date(Date.UTC(2023, 11, 31, 12)));
    expect(next?.toISOString()).toBe('2024-01-01T10:00:00.000Z');
  });

  it.each([
    ['rate(5 weeks)', /unknown unit "weeks"/],
    ['rate(0 minutes)', /at least 1/],
    ['cron(0 12 * * ? 2030)', /only \* is supported in the year field/],
    ['cron(0 12 * * *)', /6 fields/],
    ['cron(0 12 1 * MON *)', /one of day-of-month and day-of-week must be \?/],
    ['cron(0 12 ? * 8 *)', /outside 1-7/],
    ['cron(99 12 * * ? *)', /Invalid schedule/],
    ['every 5 minutes', /expected rate\(…\) or cron\(…\)/],
  ])('rejects %s with a clear message', (expression, message) => {
    expect(() => parseScheduleExpression(expression)).toThrow(message);
  });
});
