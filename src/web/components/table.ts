// A data table: a caption for screen readers, tabular numbers, and its own horizontal scroll on narrow
// screens (focusable, so the keyboard can scroll it too).

import { html } from 'htm/preact';

export interface Column<T> {
  header: string;
  render: (row: T) => unknown;
  numeric?: boolean;
  /** Hidden below 640 px where the column is a detail. */
  optional?: boolean;
  class?: string;
}

export function DataTable<T>({
  caption,
  showCaption = false,
  columns,
  rows,
  rowKey,
  empty,
  rowClass,
}: {
  caption: string;
  showCaption?: boolean;
  columns: Array<Column<T>>;
  rows: T[];
  rowKey: (row: T) => string;
  empty?: unknown;
  rowClass?: (row: T) => string;
}) {
  if (rows.length === 0 && empty !== undefined) return html`<div class="empty">${empty}</div>`;
  const cellClass = (column: Column<T>) => [column.numeric ? 'num' : '', column.optional ? 'optional' : '', column.class ?? ''].join(' ').trim() || undefined;
  return html`<div class="table-scroll" role="region" aria-label=${caption} tabindex="0">
    <table class="table">
      <caption class=${showCaption ? 'table-caption' : 'sr-only'}>${caption}</caption>
      <thead>
        <tr>${columns.map((column) => html`<th scope="col" class=${cellClass(column)}>${column.header}</th>`)}</tr>
      </thead>
      <tbody>
        ${rows.map(
          (row) => html`<tr key=${rowKey(row)} class=${rowClass?.(row)}>${columns.map((column) => html`<td class=${cellClass(column)}>${column.render(row)}</td>`)}</tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}
