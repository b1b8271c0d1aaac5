// Rollout: one service's traffic shift in one stage, live. The traffic bar, the schedule with the next step's
// countdown, the alarms with their datapoints, the buttons to steer it, and why it failed when it did.
// While active it re-reads every second.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { apiGet, apiPost, path } from '../api-client.js';
import type { RolloutAnalysis, RolloutRecord, StageRecord, VersionRef } from '../api-types.js';
import { mayChangeStage, roleForStage, useIdentity } from '../auth.js';
import { ActionButton, ConfirmButton } from '../components/action-button.js';
import { ErrorNotice, Loading } from '../components/error-notice.js';
import { Icon } from '../components/icon.js';
import { PageHeader, useTitle } from '../components/page-header.js';
import { StatusBadge, Tag } from '../components/status-badge.js';
import { DataTable } from '../components/table.js';
import { TimeAgo } from '../components/time-ago.js';
import { TrafficBar } from '../components/traffic-bar.js';
import { versionName } from '../components/version-label.js';
import { formatDuration } from '../formats.js';
import { eventFilter, useLiveResource } from '../live-resource.js';
import { paths } from '../router.js';
import { RolloutAlarms } from './rollout-alarms.js';
import { RolloutSchedule } from './rollout-schedule.js';

interface RolloutPageData {
  rollout: RolloutRecord;
  analysis: RolloutAnalysis | null;
  analysisError: unknown;
}

export function RolloutPage({ app, stage, service }: { app: string; stage: string; service: string }) {
  useTitle(`${service} rollout · ${stage}`);
  const identity = useIdentity();
  const base = path`/api/apps/${app}/stages/${stage}`;
  const rolloutPath = `${base}${path`/rollouts/${service}`}`;
  // What moves (the rollout and its analysis) is re-read every second while active; the rest on events.
  const page = useLiveResource(
    async (signal): Promise<RolloutPageData> => {
      const [rollout, analysis] = await Promise.all([
        apiGet<{ rollout: RolloutRecord }>(rolloutPath, signal),
        // Without its analysis the rollout can still be seen and steered.
        apiGet<RolloutAnalysis>(`${rolloutPath}/analysis`, signal).then((a) => ({ a, e: null }), (e: unknown) => ({ a: null, e })),
      ]);
      return { rollout: rollout.rollout, analysis: analysis.a, analysisError: analysis.e };
    },
    `${app}/${stage}/${service}`,
    { relevant: eventFilter(['rollout.', 'deployment.'], { app, stage, service }), pollMs: (data) => (data?.rollout.status === 'active' ? 1000 : null) },
  );
  const context = useLiveResource(
    async (signal) => {
      const [history, stages] = await Promise.all([
        apiGet<{ rollouts: RolloutRecord[] }>(`${base}/rollouts?service=${encodeURIComponent(service)}&limit=6`, signal),
        apiGet<{ stages: StageRecord[] }>(`/api/stages?app=${encodeURIComponent(app)}`, signal),
      ]);
      return { history: history.rollouts, stage: stages.stages.find((s) => s.name === stage) };
    },
    `${app}/${stage}/${service}`,
    { relevant: eventFilter(['rollout.started', 'rollout.succeeded', 'rollout.failed', 'rollout.aborted', 'stage.'], { app, stage, service }) },
  );
  const crumbs = [
    { label: 'Overview', href: paths.overview() },
    { label: app, href: paths.overview() },
    { label: stage, href: paths.stage(app, stage) },
  ];
  const title = `${service} rollout`;
  const data = page.data;
  if (!data) {
    return html`<${PageHeader} crumbs=${crumbs} title=${title} />
      ${page.error ? html`<${ErrorNotice} error=${page.error} onRetry=${page.reload} />` : html`<${Loading} label="Loading the rollout" />`}`;
  }
  const { rollout, analysis } = data;
  const state = rollout.state;
  const isActive = rollout.status === 'active';
  const numbers = new Map(
    (analysis?.rollout.functions ?? []).flatMap((f) => [f.from, f.to].filter((v): v is VersionRef => v !== null && v.number > 0).map((v) => [v.versionId, v.number] as const)),
  );
  const nameOf = (id: string | null | undefined, fallback: string) => (id ? versionName(id, numbers) : fallback);
  const first = state.functions[0];
  const oldLabel = `${nameOf(first?.from, 'none')} (old)`;
  const newLabel = `${nameOf(first?.to, 'new')} (new)`;
  const stageRecord = context.data?.stage;
  const approval = stageRecord?.approval ?? 'none';
  const mayControl = isActive && stageRecord !== undefined && mayChangeStage(identity, { profile: stageRecord.profile, approval });
  const statusKey = isActive ? (state.paused ? 'paused' : state.phase) : rollout.status;
  return html`<${PageHeader}
      crumbs=${crumbs}
      title=${title}
      badges=${html`<${StatusBadge} status=${statusKey} /><${Tag} title="Strategy">${state.plan.schedule.name}<//>`}
      meta=${html`<span>Started <${TimeAgo} ts=${state.startedAt} /></span>
        ${state.finishedAt ? html`<span>took ${formatDuration(state.finishedAt - state.startedAt)}</span>` : null}
        <span>${state.functions.length} ${state.functions.length === 1 ? 'function' : 'functions'}</span>`}
      actions=${mayControl ? html`<${RolloutControls} path=${rolloutPath} paused=${state.paused} phase=${state.phase} service=${service} stage=${stage} onChanged=${page.reload} />` : null}
    />
    ${isActive && !mayControl ? html`<p class="muted small">Steering this rollout needs the ${roleForStage({ approval })} role${identity.profiles ? ' on its profile' : ''}.</p>` : null}
    <${Outcome} rollout=${rollout} oldLabel=${nameOf(first?.from, 'the old versions')} newLabel=${nameOf(first?.to, 'the new versions')} />
    <section class="card" aria-labelledby="traffic-title">
      <div class="card-head"><h2 id="traffic-title">Traffic</h2></div>
      <${TrafficBar} weight=${state.weight} oldLabel=${oldLabel} newLabel=${newLabel} />
      <${DataTable}
        caption="Functions being shifted"
        rows=${state.functions}
        rowKey=${(f: RolloutRecord['state']['functions'][number]) => f.function}
        columns=${[
          { header: 'Function', render: (f: { function: string }) => html`<span class="strong">${f.function}</span>` },
          { header: 'From', render: (f: { from: string | null }) => html`<span class="version" title=${f.from ?? ''}>${nameOf(f.from, 'new function')}</span>` },
          { header: 'To', render: (f: { to: string }) => html`<span class="version" title=${f.to}>${nameOf(f.to, '')}</span>` },
        ]}
      />
    </section>
    <div class="two-column">
      <${RolloutSchedule}
        view=${{
          steps: analysis?.rollout.steps ?? state.plan.schedule.steps,
          stepIndex: state.stepIndex,
          phase: state.phase,
          paused: state.paused,
          nextStepAt: state.nextStepAt,
          pausedRemainingMs: state.pausedRemainingMs,
          active: isActive,
        }}
      />
      ${analysis
        ? html`<${RolloutAlarms} alarms=${analysis.alarms} span=${[state.startedAt, Math.max(state.finishedAt ?? Date.now(), state.startedAt + 30_000)]} />`
        : html`<section class="card"><div class="card-head"><h2>Alarms</h2></div><p class="empty">The analysis is not available${data.analysisError instanceof Error ? `: ${data.analysisError.message}` : ''}.</p></section>`}
    </div>
    ${(context.data?.history.length ?? 0) > 1 ? html`<${PreviousRollouts} rollouts=${context.data!.history.filter((r) => r.id !== rollout.id)} />` : null}`;
}

function RolloutControls({ path: rolloutPath, paused, phase, service, stage, onChanged }: { path: string; paused: boolean; phase: string; service: string; stage: string; onChanged: () => void }) {
  const [reason, setReason] = useState('');
  const command = (name: string, body: unknown = {}) => async () => {
    await apiPost(`${rolloutPath}/${name}`, body);
    onChanged();
  };
  const shifting = phase === 'shifting';
  return html`<div class="button-row" role="group" aria-label="Steer the rollout">
    ${shifting ? html`<${ActionButton} label="Promote" icon="promote" onAction=${command('promote')} success="Promoted to the next step" />` : null}
    ${shifting ? html`<${ActionButton} label="Promote fully" icon="promoteFully" onAction=${command('promote', { full: true })} success="Promoted to 100%" />` : null}
    ${paused
      ? html`<${ActionButton} label="Resume" icon="play" onAction=${command('resume')} success="Rollout resumed" />`
      : shifting
        ? html`<${ActionButton} label="Pause" icon="pause" onAction=${command('pause')} success="Rollout paused" />`
        : null}
    <${ConfirmButton}
      label="Abort"
      icon="stop"
      variant="danger"
      title=${`Abort the rollout of ${service} in ${stage}?`}
      confirmLabel="Abort and roll back"
      body=${html`<p>All traffic goes back to the old versions at once. The new versions stay published; a later deploy can try again.</p>
        <label class="field">
          <span class="field-label">Reason (optional, kept in the audit log)</span>
          <input class="input" value=${reason} maxlength="500" onInput=${(e: Event) => setReason((e.target as HTMLInputElement).value)} />
        </label>`}
      onConfirm=${command('abort', reason.trim() ? { reason: reason.trim() } : {})}
      success="Rollout aborted; rolling back"
    />
  </div>`;
}

function Outcome({ rollout, oldLabel, newLabel }: { rollout: RolloutRecord; oldLabel: string; newLabel: string }) {
  const { state } = rollout;
  if (rollout.status === 'succeeded') {
    return html`<div class="callout tone-ok"><${Icon} name="check" /><p>${newLabel} serves all traffic since <${TimeAgo} ts=${state.finishedAt} />.</p></div>`;
  }
  if (rollout.status === 'failed') {
    return html`<div class="callout tone-danger" role="status">
      <${Icon} name="alert" />
      <div>
        <p class="callout-title">The rollout failed and traffic went back to ${oldLabel}.</p>
        <p>${plainReason(state.reason)}</p>
      </div>
    </div>`;
  }
  if (rollout.status === 'aborted') {
    return html`<div class="callout tone-warn" role="status">
      <${Icon} name="rollback" />
      <div>
        <p class="callout-title">Aborted${state.abortedBy ? ` by ${state.abortedBy}` : ''}; traffic went back to ${oldLabel}.</p>
        ${abortReason(state) ? html`<p>Reason: ${abortReason(state)}</p>` : null}
      </div>
    </div>`;
  }
  if (state.phase === 'rollingBack') {
    return html`<div class="callout tone-warn" role="status"><${Icon} name="rollback" /><p>Rolling back to ${oldLabel}${state.reason ? `: ${plainReason(state.reason)}` : '.'}</p></div>`;
  }
  return null;
}

/** What the person who aborted said, without the "Aborted by X" the title already gives. */
function abortReason(state: RolloutRecord['state']): string | null {
  if (!state.reason) return null;
  const prefix = `aborted by ${state.abortedBy ?? ''}`;
  if (!state.reason.toLowerCase().startsWith(prefix.toLowerCase())) return plainReason(state.reason);
  const rest = state.reason.slice(prefix.length).replace(/^[:.\s]+/, '');
  // A person's words stay as they wrote them ("p99" is not "P99").
  return rest ? (/[.!?]$/.test(rest) ? rest : `${rest}.`) : null;
}

/** The machine's reason, as a sentence. */
function plainReason(reason: string | null): string {
  if (!reason) return 'No reason was recorded.';
  const sentence = reason.charAt(0).toUpperCase() + reason.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

function PreviousRollouts({ rollouts }: { rollouts: RolloutRecord[] }) {
  return html`<section class="card" aria-labelledby="previous-title">
    <div class="card-head"><h2 id="previous-title">Earlier rollouts</h2></div>
    <${DataTable}
      caption="Earlier rollouts of this service"
      rows=${rollouts}
      rowKey=${(r: RolloutRecord) => r.id}
      columns=${[
        { header: 'Started', render: (r: RolloutRecord) => html`<${TimeAgo} ts=${r.state.startedAt} />` },
        { header: 'Status', render: (r: RolloutRecord) => html`<${StatusBadge} status=${r.status} />` },
        { header: 'Strategy', render: (r: RolloutRecord) => r.state.plan.schedule.name, optional: true },
        { header: 'Took', render: (r: RolloutRecord) => (r.state.finishedAt ? formatDuration(r.state.finishedAt - r.state.startedAt) : '—'), numeric: true },
        { header: 'Reason', render: (r: RolloutRecord) => r.state.reason ?? html`<span class="muted">—</span>`, optional: true },
      ]}
    />
  </section>`;
}
