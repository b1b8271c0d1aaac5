// Spans of time as people type them: `90s`, `15m`, `1h`, `30d`, `2w`. Token lifetimes (`--expires 30d`) and
// the start of an audit listing (`--since 1h`) are read here, on the server, so one clock decides.

import { SluiceError } from '../errors/index.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Milliseconds of a span such as `30d`; throws INVALID_ARGUMENT naming `what` otherwise. */
export function parseTimeSpan(text: string, what: string): number {
  const match = /^\s*(\d+)\s*([smhdw])\s*$/.exec(text);
  const ms = match ? Number(match[1]) * UNIT_MS[match[2]!]! : 0;
  if (!match || ms <= 0 || !Number.isSafeInteger(ms)) {
    throw new SluiceError('INVALID_ARGUMENT', `${what} must be a span like 90s, 15m, 1h, 30d or 2w, got "${text}".`);
  }
  return ms;
}

/** A point in time: a span back from now (`1h`), an ISO date, or epoch milliseconds. */
export function parseSince(text: string, now: number): number {
  if (/^\d{12,}$/.test(text)) return Number(text);
  const date = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (Number.isFinite(date)) return date;
  return now - parseTimeSpan(text, 'since');
}
