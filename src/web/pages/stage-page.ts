// Stage: what one stage of an app serves now. Per service its URL, functions with their endpoints and live
// version (or split), outputs; the params it gets; charts of the last hour; the deploy history with rollback.

import { html } from 'htm/preact';
import { apiGet, path } from '../api-client.js';
import type { DeploymentRecord, RolloutRecord, StageInfo, StageRecord } from '../api-types.js';
import { mayChangeStage, roleForStage, useIdentity } from '../auth.js';
import { ErrorNotice, Loading } from '../components/error-notice.js';
import { Icon } from '../components/icon.js';
import { PageHeader, useTitle } from '../components/page-header.js';
import { StatusBadge, Tag } from '../components/status-badge.js';
import { DataTable } from '../components/table.js';
import { TimeAgo } from '../components/time-ago.js';
import { TrafficBar } from '../components/traffic-bar.js';
import { VersionLabel } from '../components/version-label.js';
import { eventFilter, useLiveResource } from '../live-resource.js';
import { paths } from '../router.js';
import { DeployHistory } from './deploy-history.js';
import { ProfileValuesSection } from './profile-values.js';
import { StageMetricsSection, useStageMetrics } from './stage-metrics.js';

type Service = StageInfo['services'][number];
type Fn = Service['functions'][number];

interface StagePageData {
  info: StageInfo;
  record: StageRecord | undefined;
  deployments: DeploymentRecord[];
  rollouts: RolloutRecord[];
}

export function StagePage({ app, stage }: { app: string; stage: string }) {
  useTitle(`${stage} · ${app}`);
  const identity = useIdentity();
  const base = path`/api/apps/${app}/stages/${stage}`;
  const page = useLiveResource(
    async (signal): Promise<StagePageData> => {
      const [info, stages, deployments, rollouts] = await Promise.all([
        apiGet<StageInfo>(base, signal),
        apiGet<{ stages: StageRecord[] }>(`/api/stages?app=${encodeURIComponent(app)}`, signal),
        apiGet<{ deployments: DeploymentRecord[] }>(`${path`/api/apps/${app}/deployments`}?stage=${encodeURIComponent(stage)}&limit=40`, signal),
        apiGet<{ rollouts: RolloutRecord[] }>(`${base}/rollouts?limit=20`, signal),
      ]);
      return { info, record: stages.stages.find((s) => s.name === stage), deployments: deployments.deployments, rollouts: rollouts.rollouts };
    },
    `${app}/${stage}`,
    { relevant: eventFilter(['deployment.', 'rollout.', 'stage.'], { app, stage }) },
  );
  const metrics = useStageMetrics(app, stage);
  const crumbs = [
    { label: 'Overview', href: paths.overview() },
    { label: app, href: paths.overview() },
  ];
  const data = page.data;
  if (!data) {
    return html`<${PageHeader} crumbs=${crumbs} title=${stage} />
      ${page.error ? html`<${ErrorNotice} error=${page.error} onRetry=${page.reload} />` : html`<${Loading} label="Loading the stage" />`}`;
  }
  const { info, record } = data;
  const approval = record?.approval ?? 'none';
  const mayRollBack = mayChangeStage(identity, { profile: info.profile, approval });
  const active = data.rollouts.filter((r) => r.status === 'active');
  const liveVersions = new Map(info.services.map((s) => [s.service, new Set(s.functions.flatMap((f) => f.live.map((l) => l.versionId)))]));
  // Deployments name version ids: the live ones and those with calls in the last hour have numbers.
  const versionNumbers = new Map([
    ...(metrics.data?.series.map((s) => [s.versionId, s.number] as const) ?? []),
    ...info.services.flatMap((s) => s.functions.flatMap((f) => f.live.map((l) => [l.versionId, l.version] as const))),
  ]);
  return html`<${PageHeader}
      crumbs=${crumbs}
      title=${stage}
      badges=${html`<${Tag} title="Profile">profile ${info.profile}<//>
        ${info.kind === 'preview' ? html`<${Tag} tone="info">preview<//>` : null}
        ${approval === 'required' ? html`<${Tag} icon="lock" tone="warn" title="Changes need an approver">approval required<//>` : null}`}
      meta=${html`<span>Last deploy <${TimeAgo} ts=${info.lastDeployAt} /></span><span>${info.services.length} services</span>`}
    />
    ${active.map((rollout) => html`<${ActiveRollout} key=${rollout.id} rollout=${rollout} info=${info} />`)}
    <section aria-labelledby="services-title" class="stack">
      <h2 id="services-title" class="sr-only">Services</h2>
      ${info.services.map((service) => html`<${ServiceCard} key=${service.service} app=${app} stage=${stage} service=${service} rollouts=${data.rollouts} />`)}
    </section>
    <${StageMetricsSection} metrics=${metrics} services=${info.services.filter((s) => s.functions.length > 0).map((s) => s.service)} />
    <${ProfileValuesSection} app=${app} profile=${info.profile} />
    <${DeployHistory}
      app=${app}
      stage=${stage}
      deployments=${data.deployments}
      liveVersions=${liveVersions}
      versionNumbers=${versionNumbers}
      rollingOut=${new Set(active.map((r) => r.service))}
      mayRollBack=${mayRollBack}
      rollbackRole=${roleForStage({ approval })}
      onChanged=${page.reload}
    />`;
}

function ActiveRollout({ rollout, info }: { rollout: RolloutRecord; info: StageInfo }) {
  const shifted = rollout.state.functions[0];
  const fn = info.services.find((s) => s.service === rollout.service)?.functions.find((f) => f.name === shifted?.function);
  const number = (id: string | null | undefined) => fn?.live.find((l) => l.versionId === id)?.version;
  const oldN = number(shifted?.from);
  const newN = number(shifted?.to);
  return html`<section class="rollout-banner" aria-label=${`Rollout of ${rollout.service} in progress`}>
    <div class="rollout-banner-head">
      <strong>${rollout.service}</strong>
      <${StatusBadge} status=${rollout.state.paused ? 'paused' : rollout.state.phase} />
      <span class="muted small">${rollout.state.plan.schedule.name}</span>
      <a class="rollout-banner-link" href=${paths.rollout(rollout.app, rollout.stage, rollout.service)}>Open rollout</a>
    </div>
    <${TrafficBar} compact=${true} weight=${rollout.state.weight} oldLabel=${oldN ? `v${oldN}` : 'current'} newLabel=${newN ? `v${newN}` : 'new'} />
  </section>`;
}

function ServiceCard({ app, stage, service, rollouts }: { app: string; stage: string; service: Service; rollouts: RolloutRecord[] }) {
  const latest = rollouts.find((r) => r.service === service.service);
  const outputs = Object.entries(service.outputs);
  return html`<article class="card" aria-labelledby=${`svc-${service.service}`}>
    <div class="card-head">
      <h3 id=${`svc-${service.service}`} class="card-title">${service.service}</h3>
      <a class="url" href=${service.url} target="_blank" rel="noreferrer">${breakableUrl(service.url)}<${Icon} name="external" size=${12} label="opens in a new tab" /></a>
      <span class="card-head-end muted small">
        deployed <${TimeAgo} ts=${service.deployedAt} />
        ${latest ? html` · <a href=${paths.rollout(app, stage, service.service)}>${latest.status === 'active' ? 'rollout in progress' : 'last rollout'}</a>` : null}
      </span>
    </div>
    ${service.functions.length === 0
      ? html`<p class="muted small">No functions: this service provides resources${outputs.length ? ' and outputs' : ''}.</p>`
      : html`<${DataTable}
          caption=${`Functions of ${service.service}`}
          rows=${service.functions}
          rowKey=${(f: Fn) => f.name}
          columns=${[
            { header: 'Function', render: (f: Fn) => html`<span class="strong">${f.name}</span>` },
            { header: 'Live', render: (f: Fn) => html`<${VersionLabel} versions=${f.live.map((l) => ({ function: f.name, number: l.version, weight: l.weight }))} />` },
            { header: 'Triggers', render: (f: Fn) => html`<${Triggers} fn=${f} serviceUrl=${service.url} />` },
            { header: 'Memory', render: (f: Fn) => `${f.memory} MB`, numeric: true, optional: true },
            { header: 'Timeout', render: (f: Fn) => `${f.timeout} s`, numeric: true, optional: true },
            { header: 'Concurrency', render: (f: Fn) => f.concurrency, numeric: true, optional: true },
          ]}
        />`}
    ${outputs.length > 0
      ? html`<div class="outputs">
          <h4 class="subheading">Outputs</h4>
          <dl class="kv">
            ${outputs.map(([key, value]) => html`<div key=${key} class="kv-row"><dt>${key}</dt><dd>${/^https?:\/\//.test(value) ? html`<a href=${value} target="_blank" rel="noreferrer">${value}</a>` : html`<code>${value}</code>`}</dd></div>`)}
          </dl>
        </div>`
      : null}
  </article>`;
}

/** A long URL on a narrow screen breaks after a slash, not in the middle of a name. */
function breakableUrl(url: string) {
  return url.split('/').map((part, i) => (i === 0 ? part : html`/<wbr />${part}`));
}

/** Endpoints as method + path under the service URL (shown above); GET ones without parameters are links. */
function Triggers({ fn, serviceUrl }: { fn: Fn; serviceUrl: string }) {
  if (fn.endpoints.length === 0 && fn.schedules.length === 0) return html`<span class="muted">invoke only</span>`;
  return html`<ul class="triggers">
    ${fn.endpoints.map((endpoint) => {
      const [method, url] = endpoint.includes(' ') ? (endpoint.split(' ', 2) as [string, string]) : ['ANY', endpoint];
      const shown = url.startsWith(serviceUrl) ? url.slice(serviceUrl.length) || '/' : url;
      const clickable = method === 'GET' && !url.includes('{');
      return html`<li key=${endpoint}>
        <span class="method">${method}</span>
        ${clickable ? html`<a href=${url} target="_blank" rel="noreferrer" class="url" title=${url}>${shown}</a>` : html`<code class="url" title=${url}>${shown}</code>`}
      </li>`;
    })}
    ${fn.schedules.map((schedule) => html`<li key=${schedule}><span class="method">CRON</span><code>${schedule}</code></li>`)}
  </ul>`;
}
