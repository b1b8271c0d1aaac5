// The stage page's deploy history: every deployment of the stage, which one each service serves now, and a
// Rollback button on earlier ones for callers whose role may change the stage.

import { html } from 'htm/preact';
import { apiPost, path } from '../api-client.js';
import type { DeploymentRecord } from '../api-types.js';
import { ConfirmButton } from '../components/action-button.js';
import { StatusBadge } from '../components/status-badge.js';
import { DataTable } from '../components/table.js';
import { versionName } from '../components/version-label.js';
import { TimeAgo } from '../components/time-ago.js';
import { formatDuration, shortSha } from '../formats.js';

interface DeployHistoryProps {
  app: string;
  stage: string;
  deployments: DeploymentRecord[];
  /** Version ids live now, per service. */
  liveVersions: Map<string, Set<string>>;
  /** Version id → number, where known. */
  versionNumbers: Map<string, number>;
  /** Services with a rollout in progress: no rollback while it runs (abort it instead). */
  rollingOut: Set<string>;
  mayRollBack: boolean;
  rollbackRole: string;
  onChanged: () => void;
}

export function DeployHistory(props: DeployHistoryProps) {
  const { app, stage, deployments, liveVersions, versionNumbers } = props;
  const current = currentDeployments(deployments, liveVersions);
  const versionText = (d: DeploymentRecord) =>
    d.changes.length === 0
      ? html`<span class="muted">${d.status === 'running' ? 'in progress' : 'no function changes'}</span>`
      : html`<span class="change-list">${d.changes.map((c) => html`<span key=${c.function} title=${c.to}>${c.function} <span class="version">${versionName(c.to, versionNumbers)}</span></span>`)}</span>`;
  const action = (d: DeploymentRecord) => {
    if (current.has(d.id)) return html`<${StatusBadge} status="live" />`;
    if (d.status !== 'succeeded' || d.changes.length === 0 || !props.mayRollBack) return null;
    if (props.rollingOut.has(d.service)) return null;
    const target = d.changes.map((c) => `${c.function} ${versionName(c.to, versionNumbers)}`).join(', ');
    return html`<${ConfirmButton}
      label="Roll back"
      ariaLabel=${`Roll back ${d.service} to the deployment of ${new Date(d.createdAt).toLocaleString()}`}
      icon="rollback"
      compact=${true}
      title=${`Roll back ${d.service} in ${stage}?`}
      confirmLabel="Roll back now"
      body=${html`<p>
          ${d.service} goes back to what was live after this deployment${d.commitSha ? html` of commit <code>${shortSha(d.commitSha)}</code>` : null}: ${target}.
        </p>
        <p class="muted">All of its traffic moves at once, with no canary. A later deploy brings the new versions back.</p>`}
      onConfirm=${async () => {
        await apiPost(path`/api/apps/${app}/stages/${stage}/rollback`, { service: d.service, to: d.id });
        props.onChanged();
      }}
      success=${`${d.service} rolled back in ${stage}`}
    />`;
  };
  return html`<section class="card" aria-labelledby="history-title">
    <div class="card-head">
      <h2 id="history-title">Deploy history</h2>
      ${!props.mayRollBack
        ? html`<span class="muted small">Rolling back needs the ${props.rollbackRole} role.</span>`
        : props.rollingOut.size > 0
          ? html`<span class="muted small">No rollback of ${[...props.rollingOut].join(', ')} while its rollout runs: abort it instead.</span>`
          : null}
    </div>
    <${DataTable}
      caption=${`Deployments of ${stage}, newest first`}
      rows=${deployments}
      rowKey=${(d: DeploymentRecord) => d.id}
      rowClass=${(d: DeploymentRecord) => (current.has(d.id) ? 'row-current' : '')}
      empty="No deployments yet."
      columns=${[
        { header: 'When', render: (d: DeploymentRecord) => html`<${TimeAgo} ts=${d.createdAt} />`, optional: true },
        { header: 'Service', render: (d: DeploymentRecord) => html`<span class="strong">${d.service}</span><span class="narrow-only muted small"><${TimeAgo} ts=${d.createdAt} /></span>` },
        { header: 'Status', render: (d: DeploymentRecord) => html`<${StatusBadge} status=${d.status} />` },
        { header: 'Versions', render: versionText, optional: true },
        { header: 'Strategy', render: (d: DeploymentRecord) => d.strategy, optional: true },
        { header: 'Commit', render: (d: DeploymentRecord) => (d.commitSha ? html`<code title=${d.commitSha}>${shortSha(d.commitSha)}</code>` : html`<span class="muted">—</span>`), optional: true },
        { header: 'By', render: (d: DeploymentRecord) => html`<span class="actor" title=${d.actor}>${d.actor}</span>`, optional: true },
        { header: 'Took', render: (d: DeploymentRecord) => (d.finishedAt ? formatDuration(d.finishedAt - d.createdAt) : '—'), numeric: true, optional: true },
        { header: 'Action', render: action },
      ]}
    />
  </section>`;
}

/** Per service, the newest succeeded deployment whose versions are all live now. */
function currentDeployments(deployments: DeploymentRecord[], live: Map<string, Set<string>>): Set<string> {
  const found = new Set<string>();
  const seen = new Set<string>();
  for (const d of [...deployments].sort((a, b) => b.createdAt - a.createdAt)) {
    if (seen.has(d.service) || d.status !== 'succeeded' || d.changes.length === 0) continue;
    const liveIds = live.get(d.service);
    if (liveIds && d.changes.every((c) => liveIds.has(c.to))) {
      found.add(d.id);
      seen.add(d.service);
    }
  }
  return found;
}
