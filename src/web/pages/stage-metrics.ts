// The stage page's charts: invocations, errors, p50 and p99 duration per function version over the last hour,
// for one service at a time.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { apiGet, path } from '../api-client.js';
import type { StageMetrics } from '../api-types.js';
import { SERIES_COLORS, TimeChart, type ChartSeries } from '../components/chart.js';
import { ErrorNotice, Loading } from '../components/error-notice.js';
import { formatCount, formatMs } from '../formats.js';
import { eventFilter, useLiveResource, type LiveResource } from '../live-resource.js';

type Series = StageMetrics['series'][number];

/** The stage's metrics for the last hour, re-read on deploys and every 30 s (the stage page shares them). */
export function useStageMetrics(app: string, stage: string): LiveResource<StageMetrics> {
  return useLiveResource((signal) => apiGet<StageMetrics>(`${path`/api/apps/${app}/stages/${stage}`}/metrics?since=3600&step=60`, signal), `${app}/${stage}`, {
    relevant: eventFilter(['deployment.', 'rollout.'], { app, stage }),
    pollMs: 30_000,
  });
}

export function StageMetricsSection({ metrics, services }: { metrics: LiveResource<StageMetrics>; services: string[] }) {
  const withData = new Set(metrics.data?.series.map((s) => s.service) ?? []);
  const [chosen, setChosen] = useState<string | null>(null);
  const [fn, setFn] = useState('');
  const service = chosen ?? services.find((s) => withData.has(s)) ?? services[0] ?? '';
  const functions = [...new Set(metrics.data?.series.filter((s) => s.service === service).map((s) => s.function) ?? [])].sort();
  return html`<section class="card" aria-labelledby="metrics-title">
    <div class="card-head">
      <h2 id="metrics-title">Last hour</h2>
      <div class="card-head-end chart-filters">
        ${services.length > 1
          ? html`<label class="inline-field">
              <span class="field-label">Service</span>
              <select class="input input-small" value=${service} onChange=${(e: Event) => {
                setChosen((e.target as HTMLSelectElement).value);
                setFn('');
              }}>
                ${services.map((s) => html`<option key=${s} value=${s}>${s}${withData.has(s) ? '' : ' (no traffic)'}</option>`)}
              </select>
            </label>`
          : null}
        ${functions.length > 1
          ? html`<label class="inline-field">
              <span class="field-label">Function</span>
              <select class="input input-small" value=${fn} onChange=${(e: Event) => setFn((e.target as HTMLSelectElement).value)}>
                <option value="">All</option>
                ${functions.map((f) => html`<option key=${f} value=${f}>${f}</option>`)}
              </select>
            </label>`
          : null}
      </div>
    </div>
    ${metrics.error && !metrics.data ? html`<${ErrorNotice} error=${metrics.error} title="Metrics are unavailable" onRetry=${metrics.reload} />` : null}
    ${!metrics.data && !metrics.error ? html`<${Loading} label="Loading metrics" />` : null}
    ${metrics.data ? html`<${ServiceCharts} metrics=${metrics.data} service=${service} fn=${fn || null} />` : null}
  </section>`;
}

function ServiceCharts({ metrics, service, fn }: { metrics: StageMetrics; service: string; fn: string | null }) {
  const series = metrics.series.filter((s) => s.service === service && (fn === null || s.function === fn)).sort((a, b) => a.function.localeCompare(b.function) || a.number - b.number);
  const total = (pick: (p: Series['points'][number]) => number) => series.reduce((n, s) => n + s.points.reduce((m, p) => m + pick(p), 0), 0);
  if (series.length === 0 || total((p) => p.invocations) === 0) {
    return html`<p class="empty">No invocations of ${fn ? `${service}.${fn}` : service} in the last hour. Charts appear with the first requests.</p>`;
  }
  const x: number[] = [];
  for (let t = metrics.from; t <= metrics.to; t += metrics.stepMs) x.push(t);
  const aligned = series.map((s) => {
    const byTime = new Map(s.points.map((p) => [p.t, p]));
    return { s, at: (t: number) => byTime.get(t) };
  });
  const lines = (pick: (p: Series['points'][number]) => number | null, zero: boolean): ChartSeries[] =>
    aligned.map(({ s, at }, i) => ({
      label: `${s.function} v${s.number}`,
      color: SERIES_COLORS[i % SERIES_COLORS.length]!,
      dash: i >= SERIES_COLORS.length ? [4, 3] : undefined,
      values: x.map((t) => {
        const point = at(t);
        return point ? pick(point) : zero ? 0 : null;
      }),
    }));
  const invocations = total((p) => p.invocations);
  const errors = total((p) => p.errors);
  const latest = (pick: (p: Series['points'][number]) => number | null) =>
    series
      .map((s) => {
        const last = [...s.points].reverse().find((p) => pick(p) !== null);
        return last ? `${s.function} v${s.number} ${formatMs(pick(last)!)}` : null;
      })
      .filter(Boolean)
      .join(', ') || 'no data';
  return html`<div class="chart-grid">
    <${TimeChart} title="Invocations per minute" x=${x} series=${lines((p) => p.invocations, true)} format=${formatCount} summary=${`${formatCount(invocations)} in the last hour`} />
    <${TimeChart} title="Errors per minute" x=${x} series=${lines((p) => p.errors, true)} format=${formatCount} summary=${`${formatCount(errors)} errors in the last hour`} />
    <${TimeChart} title="p50 duration" x=${x} series=${lines((p) => p.p50Ms, false)} format=${formatMs} summary=${`latest ${latest((p) => p.p50Ms)}`} />
    <${TimeChart} title="p99 duration" x=${x} series=${lines((p) => p.p99Ms, false)} format=${formatMs} summary=${`latest ${latest((p) => p.p99Ms)}`} />
  </div>`;
}
