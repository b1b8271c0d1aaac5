// Pipeline runs: every run newest first, filtered by app, status and branch (kept in the URL so a filtered
// list can be shared). Unfinished runs refresh every few seconds, every run event refreshes at once.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { apiGet } from '../api-client.js';
import type { Run, StageRecord } from '../api-types.js';
import { ErrorNotice, Loading } from '../components/error-notice.js';
import { PageHeader, useTitle } from '../components/page-header.js';
import { StatusBadge } from '../components/status-badge.js';
import { DataTable } from '../components/table.js';
import { TimeAgo, useClock } from '../components/time-ago.js';
import { formatDuration, shortSha } from '../formats.js';
import { eventFilter, useLiveResource } from '../live-resource.js';
import { location, paths, setQuery } from '../router.js';
import { currentStep, isFinished, kindWord, runDurationMs, stepWord } from '../run-facts.js';
import { useSharedState } from '../shared-state.js';

const STATUS_FILTERS: Array<{ value: string; label: string }> = [
  { value: '', label: 'Any status' },
  { value: 'queued,running', label: 'In progress' },
  { value: 'awaiting_approval', label: 'Awaiting approval' },
  { value: 'succeeded', label: 'Succeeded' },
  { value: 'failed,rejected', label: 'Failed or rejected' },
  { value: 'canceled', label: 'Canceled' },
];

export function RunsPage() {
  useTitle('Runs');
  const { query } = useSharedState(location);
  const filters = { app: query.get('app') ?? '', status: query.get('status') ?? '', branch: query.get('branch') ?? '' };
  const [branch, setBranch] = useState(filters.branch);
  // The branch box writes to the URL once typing pauses.
  useEffect(() => {
    if (branch === filters.branch) return;
    const timer = setTimeout(() => setQuery({ ...filters, branch: branch.trim() }), 300);
    return () => clearTimeout(timer);
  }, [branch]);
  const search = new URLSearchParams({ limit: '100' });
  if (filters.app) search.set('app', filters.app);
  if (filters.status) search.set('status', filters.status);
  if (filters.branch) search.set('branch', filters.branch);
  const runs = useLiveResource(
    async (signal) => (await apiGet<{ runs: Run[] }>(`/api/runs?${search}`, signal)).runs,
    search.toString(),
    { relevant: eventFilter(['run.']), pollMs: (list) => (list?.some((r) => !isFinished(r)) ? 3000 : null) },
  );
  const apps = useLiveResource((signal) => apiGet<{ stages: StageRecord[] }>('/api/stages', signal).then((r) => [...new Set(r.stages.map((s) => s.app))].sort()), 'apps', {
    relevant: eventFilter(['stage.']),
  });
  const filtered = Boolean(filters.app || filters.status || filters.branch);
  return html`<${PageHeader} title="Runs" meta=${html`<span>What git pushes started: checks, previews, deploys and promotions.</span>`} />
    <form class="filters" role="search" aria-label="Filter runs" onSubmit=${(e: Event) => e.preventDefault()}>
      <label class="field">
        <span class="field-label">App</span>
        <select class="input" value=${filters.app} onChange=${(e: Event) => setQuery({ ...filters, app: (e.target as HTMLSelectElement).value })}>
          <option value="">All apps</option>
          ${(apps.data ?? (filters.app ? [filters.app] : [])).map((app) => html`<option key=${app} value=${app}>${app}</option>`)}
        </select>
      </label>
      <label class="field">
        <span class="field-label">Status</span>
        <select class="input" value=${filters.status} onChange=${(e: Event) => setQuery({ ...filters, status: (e.target as HTMLSelectElement).value })}>
          ${STATUS_FILTERS.map((s) => html`<option key=${s.value} value=${s.value}>${s.label}</option>`)}
        </select>
      </label>
      <label class="field">
        <span class="field-label">Branch</span>
        <input class="input" type="search" value=${branch} placeholder="any branch" onInput=${(e: Event) => setBranch((e.target as HTMLInputElement).value)} />
      </label>
      ${filtered
        ? html`<button type="button" class="button button-ghost filters-clear" onClick=${() => {
            setBranch('');
            setQuery({});
          }}>Clear filters</button>`
        : null}
    </form>
    ${runs.error && !runs.data ? html`<${ErrorNotice} error=${runs.error} onRetry=${runs.reload} />` : null}
    ${!runs.data && !runs.error ? html`<${Loading} label="Loading runs" />` : null}
    ${runs.data ? html`<section class="card"><${RunsTable} runs=${runs.data} filtered=${filtered} /></section>` : null}`;
}

function RunsTable({ runs, filtered }: { runs: Run[]; filtered: boolean }) {
  const now = useClock();
  return html`<${DataTable}
    caption="Pipeline runs, newest first"
    rows=${runs}
    rowKey=${(r: Run) => r.id}
    empty=${filtered
      ? 'No run matches these filters.'
      : html`No runs yet. Connect a repository with <code>sluice connect git</code>; every push starts one.`}
    columns=${[
      {
        header: 'Run',
        render: (r: Run) => html`<a class="strong" href=${paths.run(r.id)} aria-label=${`Run ${r.number} of ${r.app}`}>#${r.number}</a>
          <span class="narrow-only muted small">${r.branch ?? kindWord(r.kind)} · <${TimeAgo} ts=${r.createdAt} /></span>`,
      },
      { header: 'App', render: (r: Run) => r.app, optional: true },
      { header: 'Kind', render: (r: Run) => kindWord(r.kind), optional: true },
      { header: 'Branch', render: (r: Run) => (r.branch ? html`<code class="branch">${r.branch}</code>${r.pr !== null ? html` <span class="muted">#${r.pr}</span>` : null}` : html`<span class="muted">—</span>`), optional: true },
      { header: 'Commit', render: (r: Run) => (r.sha ? html`<code title=${r.sha}>${shortSha(r.sha)}</code>` : html`<span class="muted">—</span>`), optional: true },
      { header: 'Stage', render: (r: Run) => (r.stage ? html`<a href=${paths.stage(r.app, r.stage)}>${r.stage}</a>` : html`<span class="muted">—</span>`), optional: true },
      { header: 'Status', render: (r: Run) => html`<${StatusBadge} status=${r.status} />` },
      { header: 'Step', render: (r: Run) => stepCell(r), optional: true },
      { header: 'Started', render: (r: Run) => html`<${TimeAgo} ts=${r.createdAt} />`, optional: true },
      { header: 'Duration', render: (r: Run) => formatDuration(runDurationMs(r, now)), numeric: true, optional: true },
    ]}
  />`;
}

function stepCell(run: Run) {
  const step = currentStep(run);
  if (!step) return html`<span class="muted">—</span>`;
  return html`<span class="step-cell" title=${step.detail ?? ''}><span>${stepWord(step.name)}</span>${step.detail ? html`<span class="muted step-detail">${step.detail}</span>` : null}</span>`;
}

