// The small value readers the `deployment:` block is made of (durations like `10s`, whole numbers, one-of
// words), each returning the value or a problem at a property path. The same readers serve manifest
// validation (problems located in the file) and `--strategy` on the command line (problems in a message).
import { z } from 'zod';
import { didYouMean } from './did-you-mean.js';
import { containsVariable } from './variables/variable-syntax.js';
import { describeFound, formatPropertyPath, type PropertyPath } from './yaml-source.js';

/** One problem of a deployment value, relative to the value read. `missing` marks a required key that is absent. */
export interface FieldProblem {
  path: PropertyPath;
  message: string;
  missing?: boolean;
}

/**
 * What a reader found: the value, or the problems. In the raw phase (`deferVariables`), a part holding
 * `${…}` is not checked: then there are no problems and no value, and the check happens once resolved.
 */
export interface Reading<T> {
  value?: T;
  problems: FieldProblem[];
}

export interface ReadOptions {
  /** Raw phase: parts holding `${…}` are checked once resolved. */
  deferVariables: boolean;
}

export const RESOLVED: ReadOptions = { deferVariables: false };

export function isDeferred(value: unknown, options: ReadOptions): boolean {
  return options.deferVariables && containsVariable(value);
}

export function problem(path: PropertyPath, expectation: string, found: unknown): FieldProblem {
  return { path, message: `${expectation}, found ${describeFound(found)}` };
}

export function missingKey(key: string, expectation: string): FieldProblem {
  return { path: [key], message: expectation, missing: true };
}

/** `percent: a whole …, found 0` or `missing required key "percent": …`: for messages outside a located file. */
export function describeFieldProblem(fieldProblem: FieldProblem): string {
  const key = fieldProblem.path.at(-1);
  if (fieldProblem.missing === true) return `missing required key "${String(key)}": ${fieldProblem.message}`;
  return fieldProblem.path.length === 0 ? fieldProblem.message : `${formatPropertyPath(fieldProblem.path)}: ${fieldProblem.message}`;
}

/** A number, or numeric text (values that come from `${param:…}` are text). */
export function readNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

export function readWholeNumber(value: unknown, min: number, max: number): number | undefined {
  const number = readNumber(value);
  return number !== undefined && Number.isInteger(number) && number >= min && number <= max ? number : undefined;
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * `500ms`, `10s`, `5m`, `1h`, or a plain number in `plainUnitMs` (seconds for intervals and periods,
 * milliseconds for duration thresholds). Undefined when it is not a duration or not positive.
 */
export function readDurationMs(value: unknown, plainUnitMs: number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? Math.round(value * plainUnitMs) : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (match === null) return undefined;
  const ms = Math.round(Number(match[1]) * (match[2] === undefined ? plainUnitMs : DURATION_UNITS_MS[match[2]]));
  return ms > 0 ? ms : undefined;
}

/** `500ms`, `45s`, `90s`, `5m`, `2h`: the largest unit that reads naturally, in the manifest's own syntax. */
export function formatDuration(ms: number): string {
  if (ms % 1000 !== 0) return `${ms}ms`;
  if (ms < 120_000 || ms % 60_000 !== 0) return `${ms / 1000}s`;
  if (ms < 7_200_000 || ms % 3_600_000 !== 0) return `${ms / 60_000}m`;
  return `${ms / 3_600_000}h`;
}

/** One of a closed set of words, with "did you mean" for a near miss. */
export function readOneOf<T extends string>(value: unknown, words: readonly T[], what: string): { value?: T; message?: string } {
  if (typeof value === 'string' && (words as readonly string[]).includes(value)) return { value: value as T };
  const near = typeof value === 'string' ? didYouMean(value, words) : '';
  return { message: `expected ${what}: ${words.join(', ')}, found ${describeFound(value)}${near}` };
}

/** Turns a reader into zod refinement issues, so the manifest layer locates each problem in the file. */
export function addReadingIssues(problems: FieldProblem[], ctx: z.core.$RefinementCtx): void {
  for (const fieldProblem of problems) {
    if (fieldProblem.missing === true) {
      ctx.addIssue({ code: 'invalid_type', expected: 'nonoptional', input: undefined, message: fieldProblem.message, path: [...fieldProblem.path] });
    } else {
      ctx.addIssue({ code: 'custom', message: fieldProblem.message, path: [...fieldProblem.path] });
    }
  }
}
