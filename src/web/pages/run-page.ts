// Run: one pipeline run. Its steps with durations, the log streaming live, the links it deployed, the
// approval it waits for (with the buttons for those who may give it), and cancel while it is unfinished.

import { html } from 'htm/preact';
import { useRef, useState } from 'preact/hooks';
import { apiGet, apiPost, path } from '../api-client.js';
import type { Repository, Run } from '../api-types.js';
import { hasRole, useIdentity } from '../auth.js';
import { ConfirmButton } from '../components/action-button.js';
import { ErrorNotice, Loading } from '../components/error-notice.js';
import { Icon } from '../components/icon.js';
import { PageHeader, useTitle } from '../components/page-header.js';
import { StatusBadge, Tag } from '../components/status-badge.js';
import { TimeAgo, useTicker } from '../components/time-ago.js';
import { formatDuration, shortSha } from '../formats.js';
import { useLiveResource, type LiveResource } from '../live-resource.js';
import { paths } from '../router.js';
import { isFinished, kindWord, runDurationMs, stepDurationMs, stepWord } from '../run-facts.js';
import { ApprovalPanel } from './approval-panel.js';
import { RunLog, useRunLogs } from './run-logs.js';

export function RunPage({ id }: { id: string }) {
  const identity = useIdentity();
  // `id` may be `APP#N`; events name runs by their id, known once loaded.
  const runId = useRef(id);
  const fetched: LiveResource<Run> = useLiveResource((signal) => apiGet<{ run: Run }>(path`/api/runs/${id}`, signal).then((r) => r.run), id, {
    relevant: (event) => event.type.startsWith('run.') && (event.payload.runId === id || event.payload.runId === runId.current),
  });
  if (fetched.data) runId.current = fetched.data.id;
  const repositories = useLiveResource((signal) => apiGet<{ repositories: Repository[] }>('/api/repositories', signal).then((r) => r.repositories), 'repositories');
  const logs = useRunLogs(id);
  const [step, setStep] = useState<string | null>(null);
  const now = useTicker(1000);
  // The log's long poll and the event refresh both bring the run; the newer wins.
  const run = [fetched.data, logs.run].filter((r): r is Run => r !== undefined).sort((a, b) => b.updatedAt - a.updatedAt)[0];
  useTitle(run ? `${run.app} #${run.number}` : 'Run');
  const crumbs = [{ label: 'Runs', href: paths.runs() }];
  if (!run) {
    return html`<${PageHeader} crumbs=${crumbs} title="Run" />
      ${fetched.error ? html`<${ErrorNotice} error=${fetched.error} onRetry=${fetched.reload} />` : html`<${Loading} label="Loading the run" />`}`;
  }
  const repo = repositories.data?.find((r) => r.id === run.repoId);
  const commitHref = run.sha && repo?.githubRepo ? `https://github.com/${repo.githubRepo}/commit/${run.sha}` : null;
  const finished = isFinished(run);
  const commit = run.state.commit;
  return html`<${PageHeader}
      crumbs=${[...crumbs, { label: run.app, href: paths.runs({ app: run.app }) }]}
      title=${`${run.app} #${run.number}`}
      badges=${html`<${StatusBadge} status=${run.status} /><${Tag}>${kindWord(run.kind)}<//>${run.fork ? html`<${Tag} tone="warn" title="Checks of a fork get no secrets">fork<//>` : null}`}
      meta=${html`
        ${run.branch ? html`<span>branch <code class="branch">${run.branch}</code>${run.pr !== null ? ` · PR #${run.pr}` : ''}</span>` : null}
        ${run.sha
          ? html`<span>commit ${commitHref ? html`<a href=${commitHref} target="_blank" rel="noreferrer"><code>${shortSha(run.sha)}</code></a>` : html`<code title=${run.sha}>${shortSha(run.sha)}</code>`}${commit ? html` <span class="commit-message">${commit.message.split('\n')[0]}</span> <span class="muted">by ${commit.author}</span>` : null}</span>`
          : null}
        ${run.stage ? html`<span>stage <a href=${paths.stage(run.app, run.stage)}>${run.stage}</a></span>` : null}
        <span>started <${TimeAgo} ts=${run.createdAt} /></span>
        <span>${finished ? 'took' : 'running for'} ${formatDuration(runDurationMs(run, now))}</span>
        ${run.trigger.source ? html`<span class="muted">${triggerText(run.trigger)}</span>` : null}`}
      actions=${!finished && hasRole(identity, 'deployer')
        ? html`<${ConfirmButton}
            label="Cancel run"
            icon="slash"
            title=${`Cancel run #${run.number}?`}
            confirmLabel="Cancel the run"
            body=${html`<p>The step under way is stopped and nothing further runs. What was already deployed stays.</p>`}
            onConfirm=${() => apiPost(path`/api/runs/${run.id}/cancel`).then(fetched.reload)}
            success=${`Run #${run.number} canceled`}
          />`
        : null}
    />
    ${run.reason && ['failed', 'canceled', 'rejected'].includes(run.status)
      ? html`<div class=${`callout tone-${run.status === 'canceled' ? 'warn' : 'danger'}`} role="status">
          <${Icon} name=${run.status === 'canceled' ? 'slash' : 'alert'} />
          <p>${run.reason}</p>
        </div>`
      : null}
    ${run.state.approval?.required ? html`<${ApprovalPanel} run=${run} onDecided=${fetched.reload} />` : null}
    <${RunLinks} run=${run} />
    <div class="two-column run-layout">
      <section class="card run-steps" aria-labelledby="steps-title">
        <div class="card-head"><h2 id="steps-title">Steps</h2></div>
        <ol class="run-step-list">
          ${run.state.steps.map((s) => {
            const duration = stepDurationMs(s, now);
            const selected = step === s.name;
            return html`<li key=${s.name} class=${`run-step ${selected ? 'selected' : ''}`}>
              <button type="button" class="run-step-button" aria-pressed=${selected ? 'true' : 'false'} onClick=${() => setStep(selected ? null : s.name)} title=${selected ? 'Show every step’s log' : `Show only the log of ${stepWord(s.name)}`}>
                <span class="run-step-name">${stepWord(s.name)}</span>
                <${StatusBadge} status=${s.name === 'approval' && s.status === 'pending' && run.status === 'awaiting_approval' ? 'awaiting_approval' : s.status} label=${s.name === 'approval' && s.status === 'pending' && run.status === 'awaiting_approval' ? 'Waiting' : undefined} />
                <span class="run-step-duration num">${duration === null ? '' : formatDuration(duration)}</span>
                ${s.detail ? html`<span class="run-step-detail">${s.detail}</span>` : null}
              </button>
            </li>`;
          })}
        </ol>
      </section>
      <section class="card run-log" aria-labelledby="log-title">
        <div class="card-head">
          <h2 id="log-title">${step ? `Log of ${stepWord(step)}` : 'Log'}</h2>
          ${step ? html`<button type="button" class="button button-small button-ghost" onClick=${() => setStep(null)}>Show all steps</button>` : null}
          <span class="card-head-end muted small">${logs.done ? `${logs.lines.length} lines` : html`<${Icon} name="spinner" class="spin" size=${12} /> streaming`}</span>
        </div>
        <${RunLog} lines=${logs.lines} step=${step} done=${logs.done} />
      </section>
    </div>`;
}

/** "push via git", "pull_request by alice via github". */
function triggerText(trigger: Run['trigger']): string {
  const what = (trigger.event ?? 'started').replace(/_/g, ' ');
  const who = trigger.actor && trigger.actor !== trigger.source ? ` by ${trigger.actor}` : '';
  return `${what}${who} via ${trigger.source}`;
}

function RunLinks({ run }: { run: Run }) {
  const urls = Object.entries(run.state.urls ?? {});
  const commitUrls = Object.entries(run.state.commitUrls ?? {});
  if (urls.length === 0 && commitUrls.length === 0) return null;
  const gone = run.kind === 'destroy';
  return html`<section class="card" aria-labelledby="links-title">
    <div class="card-head">
      <h2 id="links-title">${run.kind === 'preview' ? 'Preview links' : 'Deployed to'}</h2>
      ${run.stage ? html`<a class="card-head-end small" href=${paths.stage(run.app, run.stage)}>Stage ${run.stage}</a>` : null}
    </div>
    <dl class="kv">
      ${urls.map(([service, url]) => html`<div key=${`u-${service}`} class="kv-row"><dt>${service}</dt><dd>${gone ? html`<code>${url}</code>` : html`<a href=${url} target="_blank" rel="noreferrer">${url}</a>`}</dd></div>`)}
      ${commitUrls.map(
        ([service, url]) => html`<div key=${`c-${service}`} class="kv-row">
          <dt>${service} <span class="muted small">at ${shortSha(run.sha)}</span></dt>
          <dd><a href=${url} target="_blank" rel="noreferrer">${url}</a></dd>
        </div>`,
      )}
    </dl>
  </section>`;
}
