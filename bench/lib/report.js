// What a bench prints: aligned plain-text tables on stdout, progress on stderr, and, as the very last
// stdout line, one JSON object with the figures, so a script can read it with `tail -1`.

export function median(values) {
  const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Rounds to `digits` decimals; null stays null (a figure that could not be measured). */
export function round(value, digits = 0) {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export function ratio(a, b) {
  return a === null || b === null || a === undefined || b === undefined || b === 0 ? null : a / b;
}

/** A cell: numbers with thousands separators, null as "–". */
export function cell(value, digits = 0) {
  if (value === null || value === undefined) return '–';
  if (typeof value !== 'number') return String(value);
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function times(value) {
  return value === null ? '–' : `${cell(value, value >= 10 ? 1 : 2)}×`;
}

export function percent(value) {
  return value === null ? '–' : `${cell(value * 100, 0)}%`;
}

/** A table: first column left-aligned, the others right-aligned. */
export function table(headers, rows) {
  const all = [headers, ...rows].map((row) => row.map((c) => String(c)));
  const widths = headers.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

/** A goals table row: [goal, target, measured, verdict]. */
export function goalRow(goal, target, measured, met) {
  return [goal, target, measured, met === null ? 'n/a' : met ? 'met' : 'MISSED'];
}

export function progress(message) {
  process.stderr.write(`· ${message}\n`);
}

export function printJsonLine(figures) {
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
