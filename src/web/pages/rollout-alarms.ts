// A rollout's alarms: per alarm what it checks, whether it is breaching, and a small chart of its datapoints
// (the new version's value, the old version's beside it, and the limit).

import { html } from 'htm/preact';
import type { AlarmAnalysis } from '../api-types.js';
import { TimeChart } from '../components/chart.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatCount, formatDuration, formatMs, formatRate } from '../formats.js';

const COMPARISON: Record<string, string> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '≥',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '≤',
};

function metricFormat(metric: string): (n: number) => string {
  if (metric === 'errorRate') return formatRate;
  if (metric.endsWith('Duration')) return formatMs;
  return formatCount;
}

/** What the alarm compares and how long it must breach: "limit 5.0% · 2 of 2 periods of 10 s". */
function describeAlarm(alarm: AlarmAnalysis): string {
  const op = COMPARISON[alarm.comparison] ?? alarm.comparison;
  const limit = alarm.relative ?? (alarm.threshold === null ? '?' : metricFormat(alarm.metric)(alarm.threshold));
  return `${alarm.metric} ${op} ${limit} in ${alarm.datapointsToAlarm} of ${alarm.evaluationPeriods} periods of ${formatDuration(alarm.periodMs)}, each with at least ${alarm.minInvocations} calls`;
}

/** The machine's latest verdict when it has one, else what the datapoints show. */
function alarmState(alarm: AlarmAnalysis): { status: string; label: string } {
  if (alarm.problem) return { status: 'failed', label: 'Cannot evaluate' };
  const outcome = alarm.last?.outcome;
  if (outcome === 'failed') return { status: 'failed', label: 'Breaching' };
  if (outcome === 'error') return { status: 'failed', label: 'Error' };
  if (outcome === 'successful') return { status: 'succeeded', label: 'OK' };
  const recent = alarm.datapoints.slice(-alarm.evaluationPeriods);
  if (recent.some((d) => d.breaching)) return { status: 'awaiting_approval', label: 'Breaching' };
  if (outcome === 'inconclusive' || recent.length === 0 || recent.every((d) => d.noData)) return { status: 'pending', label: 'Not enough data' };
  return { status: 'succeeded', label: 'OK' };
}

/** "errorRate 0, 0 <= 0.05 in 2 of 2 datapoints (window 04:44:29.350–04:44:49.350)" without the window: the
 * chart beside it shows when, and millisecond timestamps are for logs. */
function withoutWindow(reason: string): string {
  return reason.replace(/ \(window [^)]*\)$/, '');
}

export function RolloutAlarms({ alarms, span }: { alarms: AlarmAnalysis[]; span: [number, number] }) {
  return html`<section class="card" aria-labelledby="alarms-title">
    <div class="card-head">
      <h2 id="alarms-title">Alarms</h2>
      <span class="muted small">The new version is judged against these; a breach rolls it back.</span>
    </div>
    ${alarms.length === 0
      ? html`<p class="empty">No alarms: traffic moves on time alone. Add <code>deployment.alarms</code> to the service's sluice.yml to guard it.</p>`
      : html`<div class="alarm-grid">${alarms.map((alarm) => html`<${AlarmCard} key=${alarm.name} alarm=${alarm} span=${span} />`)}</div>`}
  </section>`;
}

function AlarmCard({ alarm, span }: { alarm: AlarmAnalysis; span: [number, number] }) {
  const format = metricFormat(alarm.metric);
  const state = alarmState(alarm);
  const points = alarm.datapoints;
  const last = points[points.length - 1];
  const summary = last
    ? `latest new ${last.canary === null ? 'no data' : format(last.canary)}, old ${last.baseline === null ? 'no data' : format(last.baseline)}, limit ${last.limit === null ? 'none' : format(last.limit)}`
    : 'no datapoints yet';
  return html`<article class="alarm" aria-label=${`Alarm ${alarm.name}`}>
    <div class="alarm-head">
      <h3 class="alarm-name">${alarm.name}</h3>
      <${StatusBadge} status=${state.status} label=${state.label} />
    </div>
    <p class="muted small">${describeAlarm(alarm)}</p>
    ${alarm.problem ? html`<p class="small tone-text-danger">${alarm.problem}</p>` : alarm.last ? html`<p class="small alarm-reason">Last check: ${withoutWindow(alarm.last.reason)}</p>` : null}
    ${points.length === 0
      ? html`<p class="empty">No datapoints yet: the first comes after one period with traffic.</p>`
      : html`<${TimeChart}
          title=${`${alarm.metric}: new vs old version`}
          height=${130}
          xRange=${span}
          x=${points.map((d) => d.t)}
          format=${format}
          summary=${summary}
          series=${[
            { label: 'New version', color: 'var(--chart-new)', values: points.map((d) => d.canary), width: 2 },
            { label: 'Old version', color: 'var(--chart-old)', values: points.map((d) => d.baseline), dash: [5, 4] },
            { label: 'Limit', color: 'var(--danger)', values: points.map((d) => d.limit), dash: [2, 3], step: true, width: 1.25 },
            { label: 'Breaching', color: 'var(--danger)', values: points.map((d) => (d.breaching && !d.noData ? d.canary : null)), pointsOnly: true },
          ]}
        />`}
  </article>`;
}
