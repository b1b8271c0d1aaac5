// Terminal output for the CLI: tables for lists, JSON for --json, errors as code + message + hint (no stack
// unless it is a bug), progress lines on stderr so stdout stays clean for pipes.

import { isSluiceError, formatProblems, type ErrorBody } from '../errors/index.js';

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (text: string) => (useColor ? `\u001b[${code}m${text}\u001b[0m` : text);
export const bold = paint(1);
export const dim = paint(2);
export const green = paint(32);
export const red = paint(31);
export const yellow = paint(33);
export const cyan = paint(36);

// eslint-disable-next-line no-control-regex -- ANSI colour codes are control characters by definition.
const ANSI = /\u001b\[[0-9;]*m/g;
const visibleLength = (text: string) => text.replace(ANSI, '').length;

/** Renders rows as an aligned table with a header line. */
export function table(headers: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const cells = rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => visibleLength(row[i] ?? ''))));
  const line = (row: string[]) => row.map((cell, i) => cell + ' '.repeat(Math.max(0, widths[i]! - visibleLength(cell)))).join('  ').trimEnd();
  return [bold(line(headers)), ...cells.map(line)].join('\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function print(text = ''): void {
  process.stdout.write(text + '\n');
}

export function progressLine(text: string): void {
  process.stderr.write(`${dim('›')} ${text}\n`);
}

export function ago(ts: number | null | undefined, now = Date.now()): string {
  if (!ts) return '-';
  const seconds = Math.max(0, Math.round((now - ts) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86400)}d ago`;
}

/** Prints an error for a person; returns the exit code. */
export function printError(error: unknown, json: boolean): number {
  const body: ErrorBody | undefined = isSluiceError(error) ? error.toJSON() : (error as { body?: ErrorBody }).body;
  if (body) {
    if (json) process.stderr.write(JSON.stringify({ error: body }, null, 2) + '\n');
    else {
      process.stderr.write(`${red('Error')} ${bold(body.code)}: ${body.message}\n`);
      if (body.problems?.length) process.stderr.write(formatProblems(body.problems).replace(/^/gm, '  ') + '\n');
      process.stderr.write(`${dim('Hint:')} ${body.hint}\n`);
    }
    return 1;
  }
  process.stderr.write(`${red('Unexpected error')} (a bug in Sluice, please report it):\n${(error as Error)?.stack ?? String(error)}\n`);
  return 2;
}
