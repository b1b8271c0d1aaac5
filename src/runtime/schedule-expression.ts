// Parses EventBridge schedule expressions: `rate(N minute|minutes|hour|hours|day|days)` (plus `N second(s)`,
// a Sluice extension for tests) and `cron(min hour day-of-month month day-of-week year)`. AWS cron differs
// from croner's: `?` means "any" (croner reads it as "the time of start"), day-of-week numbers run 1-7 from
// Sunday (croner: 0-6), and there is a year field, of which only `*` is supported here. Pure.

import { Cron } from 'croner';
import { SluiceError } from '../errors/index.js';

export type ScheduleSpec =
  | { kind: 'rate'; everyMs: number }
  /** A croner pattern with seconds: `sec min hour dom month dow`, evaluated in UTC. */
  | { kind: 'cron'; pattern: string };

const RATE_UNITS: Record<string, number> = {
  second: 1000,
  seconds: 1000,
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

function invalid(expression: string, why: string): SluiceError {
  return new SluiceError('MANIFEST_INVALID', `Invalid schedule "${expression}": ${why}`, {
    hint: 'Write rate(5 minutes), rate(1 hour), rate(10 seconds), or cron(0 12 * * ? *) with the year as *.',
  });
}

/** Shifts AWS day-of-week numbers (1 = Sunday … 7 = Saturday) to croner's (0 = Sunday … 6). */
function translateDayOfWeek(field: string, expression: string): string {
  if (field === '?' || field === '*') return '*';
  return field
    .split(',')
    .map((item) => {
      const [range, step] = item.split('/');
      const [base, nth] = range.split('#');
      const shifted = base.replace(/\d+/g, (digits) => {
        const day = Number(digits);
        if (day < 1 || day > 7) throw invalid(expression, `day-of-week ${day} is outside 1-7 (1 is Sunday).`);
        return String(day - 1);
      });
      return `${shifted}${nth !== undefined ? `#${nth}` : ''}${step !== undefined ? `/${step}` : ''}`;
    })
    .join(',');
}

export function parseScheduleExpression(expression: string): ScheduleSpec {
  const trimmed = expression.trim();
  const rate = /^rate\(\s*(\d+)\s+([a-z]+)\s*\)$/i.exec(trimmed);
  if (rate) {
    const amount = Number(rate[1]);
    const unit = RATE_UNITS[rate[2].toLowerCase()];
    if (unit === undefined) throw invalid(expression, `unknown unit "${rate[2]}"; use seconds, minutes, hours or days.`);
    if (amount < 1) throw invalid(expression, 'the rate must be at least 1.');
    return { kind: 'rate', everyMs: amount * unit };
  }
  const cron = /^cron\((.*)\)$/i.exec(trimmed);
  if (cron) {
    const fields = cron[1].trim().split(/\s+/);
    if (fields.length !== 6) throw invalid(expression, `AWS cron has 6 fields (minutes hours day-of-month month day-of-week year), found ${fields.length}.`);
    const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields;
    if (year !== '*') throw invalid(expression, `only * is supported in the year field, found "${year}".`);
    if (dayOfMonth !== '?' && dayOfWeek !== '?') throw invalid(expression, 'one of day-of-month and day-of-week must be ?.');
    const pattern = ['0', minutes, hours, dayOfMonth === '?' ? '*' : dayOfMonth, month, translateDayOfWeek(dayOfWeek, expression)].join(' ');
    try {
      new Cron(pattern, { paused: true, timezone: 'UTC' }).stop();
    } catch (error) {
      throw invalid(expression, (error as Error).message);
    }
    return { kind: 'cron', pattern };
  }
  throw invalid(expression, 'expected rate(…) or cron(…).');
}
