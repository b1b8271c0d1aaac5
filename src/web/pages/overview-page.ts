// Overview: every app as a matrix of services × stages. A cell shows the live version (or the split during a
// rollout), its age, the health over the last five minutes, and a link to the rollout in progress. On a
// narrow screen the same cells stand as one card per stage, so staging and prod, where rollouts and
// approvals happen, need no sideways scrolling. Previews are listed apart, with their branch, pull request
// and age.

import { html } from 'htm/preact';
import { apiGet } from '../api-client.js';
import type { Overview, OverviewCell, OverviewPreview, OverviewStage } from '../api-types.js';
import { ErrorNotice, Loading } from '../components/error-notice.js';
import { HealthLabel } from '../components/health-label.js';
import { Icon } from '../components/icon.js';
import { PageHeader, useTitle } from '../components/page-header.js';
import { StatusBadge, Tag } from '../components/status-badge.js';
import { DataTable } from '../components/table.js';
import { TimeAgo } from '../components/time-ago.js';
import { VersionLabel, describeVersions } from '../components/version-label.js';
import { eventFilter, useLiveResource } from '../live-resource.js';
import { useNarrowScreen } from '../narrow-screen.js';
import { paths } from '../router.js';

const WINDOW_SECONDS = 300;

export function OverviewPage() {
  useTitle('Overview');
  const overview = useLiveResource((signal) => apiGet<Overview>(`/api/overview?window=${WINDOW_SECONDS}`, signal), 'overview', {
    relevant: eventFilter(['deployment.', 'rollout.', 'run.', 'stage.']),
    // Health moves with traffic, which sends no events.
    pollMs: 10_000,
  });
  const data = overview.data;
  return html`<${PageHeader}
      title="Overview"
      meta=${html`<span>Live versions and health over the last ${WINDOW_SECONDS / 60} minutes, updated live.</span>`}
    />
    ${overview.error && !data ? html`<${ErrorNotice} error=${overview.error} onRetry=${overview.reload} />` : null}
    ${!data && !overview.error ? html`<${Loading} label="Loading the overview" />` : null}
    ${data && data.apps.length === 0 ? html`<${NoApps} />` : null}
    ${data?.apps.map((app) => html`<${AppMatrix} key=${app.app} app=${app.app} services=${app.services} stages=${app.stages} previews=${app.previews} />`)}`;
}

function NoApps() {
  return html`<div class="card empty-state">
    <h2>Nothing deployed yet</h2>
    <p>Deploy an app from its folder with <code>sluice deploy --stage dev</code>, or connect a repository with <code>sluice connect git</code>. It appears here as soon as it is live.</p>
  </div>`;
}

function AppMatrix({ app, services, stages, previews }: { app: string; services: string[]; stages: OverviewStage[]; previews: OverviewPreview[] }) {
  // The server orders stages: developer stages by name, then staging, then prod.
  const headingId = `app-${app}`;
  const narrow = useNarrowScreen();
  return html`<section class="app-section" aria-labelledby=${headingId}>
    <div class="section-head">
      <h2 id=${headingId}>${app}</h2>
      <span class="muted">${services.length} ${services.length === 1 ? 'service' : 'services'} · ${stages.length} ${stages.length === 1 ? 'stage' : 'stages'}${previews.length ? ` · ${previews.length} ${previews.length === 1 ? 'preview' : 'previews'}` : ''}</span>
      <a class="section-link" href=${paths.runs({ app })}>Runs of ${app}</a>
    </div>
    ${stages.length === 0
      ? html`<p class="muted">No stages of ${app} are deployed.</p>`
      : narrow
      ? html`<${StageCards} app=${app} services=${services} stages=${stages} />`
      : html`<div class="matrix-scroll" role="region" aria-label=${`${app}: services by stage`} tabindex="0">
          <table class="matrix">
            <caption class="sr-only">${app}: live version, age and health of each service in each stage</caption>
            <thead>
              <tr>
                <th scope="col" class="matrix-corner">Service</th>
                ${stages.map((stage) => html`<th scope="col" key=${stage.name} class="matrix-stage"><${StageHeading} app=${app} stage=${stage} /></th>`)}
              </tr>
            </thead>
            <tbody>
              ${services.map(
                (service) => html`<tr key=${service}>
                  <th scope="row" class="matrix-service">${service}</th>
                  ${stages.map((stage) => html`<td key=${stage.name} class="matrix-cell"><${Cell} app=${app} stage=${stage.name} service=${service} cell=${stage.cells[service]} /></td>`)}
                </tr>`,
              )}
            </tbody>
          </table>
        </div>`}
    ${previews.length > 0 ? html`<${PreviewTable} app=${app} previews=${previews} />` : null}
  </section>`;
}

function StageHeading({ app, stage }: { app: string; stage: OverviewStage }) {
  return html`<div class="stage-heading">
    <a class="stage-name" href=${paths.stage(app, stage.name)}>${stage.name}</a>
    <${StageTags} stage=${stage} />
    ${stage.run ? html`<${RunLink} run=${stage.run} />` : null}
  </div>`;
}

function StageTags({ stage }: { stage: OverviewStage }) {
  return html`<div class="stage-tags">
    <${Tag} title="Profile">${stage.profile}<//>
    ${stage.approval === 'required' ? html`<${Tag} icon="lock" tone="warn" title="Changes need an approver">approval<//>` : null}
  </div>`;
}

/** The matrix turned on its side for a narrow screen: a card per stage, a row per service, the same cells. */
function StageCards({ app, services, stages }: { app: string; services: string[]; stages: OverviewStage[] }) {
  return html`<div class="stage-cards">
    ${stages.map((stage) => html`<${StageCard} key=${stage.name} app=${app} services=${services} stage=${stage} />`)}
  </div>`;
}

function StageCard({ app, services, stage }: { app: string; services: string[]; stage: OverviewStage }) {
  // "_" is in no app or stage name, so the id is unique on the page.
  const headingId = `stage-${app}_${stage.name}`;
  return html`<section class="stage-card" aria-labelledby=${headingId}>
    <div class="stage-card-head">
      <h3 id=${headingId} class="stage-card-title"><a class="stage-name" href=${paths.stage(app, stage.name)}>${stage.name}</a></h3>
      <${StageTags} stage=${stage} />
      ${stage.run ? html`<div class="stage-card-run"><${RunLink} run=${stage.run} /></div>` : null}
    </div>
    <ul class="stage-services" aria-label=${`Services in ${stage.name}`}>
      ${services.map(
        (service) => html`<li key=${service} class="stage-service">
          <span class="stage-service-name">${service}</span>
          ${stage.cells[service]
            ? html`<${Cell} app=${app} stage=${stage.name} service=${service} cell=${stage.cells[service]} />`
            : html`<span class="stage-service-empty">Not deployed</span>`}
        </li>`,
      )}
    </ul>
  </section>`;
}

function RunLink({ run }: { run: NonNullable<OverviewStage['run']> }) {
  return html`<a class="badge-link" href=${paths.run(run.id)}><${StatusBadge} status=${run.status} label=${`Run #${run.number}${run.status === 'awaiting_approval' ? ' awaits approval' : ''}`} /></a>`;
}

function Cell({ app, stage, service, cell }: { app: string; stage: string; service: string; cell: OverviewCell | undefined }) {
  if (!cell) return html`<span class="cell-empty" title="Not deployed in this stage"><span aria-hidden="true">—</span><span class="sr-only">not deployed</span></span>`;
  const versions = cell.versions;
  const { detail } = describeVersions(versions);
  return html`<div class="cell">
    <a class="cell-link" href=${paths.stage(app, stage)} aria-label=${`${service} in ${stage}: ${detail}`}>
      ${versions.length === 0 ? html`<span class="muted">resources only</span>` : html`<${VersionLabel} versions=${versions} />`}
    </a>
    <span class="cell-age"><${TimeAgo} ts=${cell.deployedAt} /></span>
    ${versions.length > 0 ? html`<div class="cell-health"><${HealthLabel} health=${cell.health} /></div>` : null}
    ${cell.rollout
      ? html`<a class="badge-link cell-badge" href=${paths.rollout(app, stage, service)}>
          <${StatusBadge} status=${cell.rollout.paused ? 'paused' : 'shifting'} label=${cell.rollout.paused ? `Paused at ${cell.rollout.weight}%` : `Rollout ${cell.rollout.weight}%`} />
        </a>`
      : null}
  </div>`;
}

function PreviewTable({ app, previews }: { app: string; previews: OverviewPreview[] }) {
  const rows = [...previews].sort((a, b) => b.lastActivityAt - a.lastActivityAt);
  return html`<div class="previews">
    <h3 class="subheading">Previews</h3>
    <${DataTable}
      caption=${`Preview stages of ${app}`}
      rows=${rows}
      rowKey=${(p: OverviewPreview) => p.name}
      columns=${[
        {
          header: 'Preview',
          render: (p: OverviewPreview) =>
            html`<a href=${paths.stage(app, p.name)} class="strong nowrap">${p.name}</a>${p.protected ? html` <${Tag} icon="lock" title="Its URLs need a Sluice token">protected<//>` : null}
              <span class="narrow-only muted small">${p.branch}${p.pr !== null ? ` · PR #${p.pr}` : ''}</span>`,
        },
        { header: 'Branch', render: (p: OverviewPreview) => html`<code class="branch">${p.branch}</code>`, optional: true },
        { header: 'PR', render: (p: OverviewPreview) => (p.pr === null ? html`<span class="muted">—</span>` : html`#${p.pr}`), numeric: true, optional: true },
        { header: 'Live', render: (p: OverviewPreview) => previewVersions(p) },
        { header: 'Health', render: (p: OverviewPreview) => html`<${HealthLabel} health=${worstHealth(p)} />`, optional: true },
        { header: 'Run', render: (p: OverviewPreview) => (p.run ? html`<${RunLink} run=${p.run} />` : html`<span class="muted">—</span>`), optional: true },
        { header: 'Created', render: (p: OverviewPreview) => html`<${TimeAgo} ts=${p.createdAt} />`, optional: true },
        { header: 'Last activity', render: (p: OverviewPreview) => html`<${TimeAgo} ts=${p.lastActivityAt} />` },
      ]}
    />
  </div>`;
}

function previewVersions(preview: OverviewPreview) {
  const entries = Object.entries(preview.cells).filter(([, cell]) => cell.versions.length > 0);
  if (entries.length === 0) return html`<span class="muted">nothing live</span>`;
  return html`<span class="preview-services">${entries.map(
    ([service, cell]) => html`<span key=${service} class="preview-service"><span class="muted">${service}</span> <${VersionLabel} versions=${cell.versions} />${cell.rollout ? html` <${Icon} name="spinner" class="spin" size=${12} label="rollout in progress" />` : null}</span>`,
  )}</span>`;
}

function worstHealth(preview: OverviewPreview) {
  const cells = Object.values(preview.cells);
  const invocations = cells.reduce((n, c) => n + c.health.invocations, 0);
  const errors = cells.reduce((n, c) => n + c.health.errors, 0);
  const p99s = cells.map((c) => c.health.p99Ms).filter((p): p is number => p !== null);
  return { invocations, errors, errorRate: invocations ? errors / invocations : null, p99Ms: p99s.length ? Math.max(...p99s) : null };
}
