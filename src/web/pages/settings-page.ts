// Settings: profiles with their params and secrets, which profile each stage uses, connected repositories and
// their hook URLs, and (for admins) API tokens.

import { html } from 'htm/preact';
import { apiGet } from '../api-client.js';
import type { ProfileSummary, Repository, StageRecord, TokenRecord } from '../api-types.js';
import { hasRole, useIdentity } from '../auth.js';
import { ErrorNotice, Loading } from '../components/error-notice.js';
import { PageHeader, useTitle } from '../components/page-header.js';
import { Tag } from '../components/status-badge.js';
import { DataTable } from '../components/table.js';
import { TimeAgo } from '../components/time-ago.js';
import { eventFilter, useLiveResource } from '../live-resource.js';
import { paths } from '../router.js';
import { ProfilesSection } from './profiles-section.js';
import { RepositoriesSection } from './repositories-section.js';
import { TokensSection } from './tokens-section.js';

interface SettingsData {
  profiles: ProfileSummary[];
  stages: StageRecord[];
  repositories: Repository[];
}

export function SettingsPage() {
  useTitle('Settings');
  const identity = useIdentity();
  const admin = hasRole(identity, 'admin');
  const settings = useLiveResource(
    async (signal): Promise<SettingsData> => {
      const [profiles, stages, repositories] = await Promise.all([
        apiGet<{ profiles: ProfileSummary[] }>('/api/profiles', signal),
        apiGet<{ stages: StageRecord[] }>('/api/stages', signal),
        apiGet<{ repositories: Repository[] }>('/api/repositories', signal),
      ]);
      return { profiles: profiles.profiles, stages: stages.stages, repositories: repositories.repositories };
    },
    'settings',
    { relevant: eventFilter(['param.', 'secret.', 'stage.', 'repository.', 'deployment.succeeded']) },
  );
  const tokens = useLiveResource((signal) => (admin ? apiGet<{ tokens: TokenRecord[] }>('/api/tokens', signal).then((r) => r.tokens) : Promise.resolve([])), `tokens-${admin}`, {
    relevant: eventFilter(['token.']),
  });
  const data = settings.data;
  return html`<${PageHeader} title="Settings" meta=${html`<span>Signed in as <strong>${identity.name}</strong> with role ${identity.role}${identity.profiles ? ` on ${identity.profiles.join(', ')}` : ''}.</span>`} />
    ${settings.error && !data ? html`<${ErrorNotice} error=${settings.error} onRetry=${settings.reload} />` : null}
    ${!data && !settings.error ? html`<${Loading} label="Loading settings" />` : null}
    ${data
      ? html`<div class="stack-large">
          <${ProfilesSection} profiles=${data.profiles} identity=${identity} onChanged=${settings.reload} />
          <${StageProfiles} stages=${data.stages} />
          <${RepositoriesSection} repositories=${data.repositories} />
          ${admin
            ? html`<${TokensSection} tokens=${tokens} identity=${identity} profiles=${data.profiles.map((p) => p.name)} />`
            : html`<section class="card" aria-labelledby="tokens-title"><div class="card-head"><h2 id="tokens-title">API tokens</h2></div><p class="muted">Only an admin manages tokens.</p></section>`}
        </div>`
      : null}`;
}

function StageProfiles({ stages }: { stages: StageRecord[] }) {
  const rows = [...stages].sort((a, b) => a.app.localeCompare(b.app) || Number(a.kind === 'preview') - Number(b.kind === 'preview') || a.name.localeCompare(b.name));
  return html`<section class="card" aria-labelledby="mapping-title">
    <div class="card-head">
      <h2 id="mapping-title">Stages and their profiles</h2>
      <span class="muted small">Set in <code>sluice.app.yml</code> under <code>stages:</code>.</span>
    </div>
    <${DataTable}
      caption="Stage to profile mapping"
      rows=${rows}
      rowKey=${(s: StageRecord) => `${s.app}/${s.name}`}
      empty="No stages yet."
      columns=${[
        { header: 'App', render: (s: StageRecord) => s.app },
        { header: 'Stage', render: (s: StageRecord) => html`<a href=${paths.stage(s.app, s.name)} class="strong">${s.name}</a>${s.kind === 'preview' ? html` <${Tag} tone="info">preview<//>` : null}` },
        { header: 'Profile', render: (s: StageRecord) => html`<${Tag}>${s.profile}<//>` },
        { header: 'Approval', render: (s: StageRecord) => (s.approval === 'required' ? html`<${Tag} icon="lock" tone="warn">required<//>` : html`<span class="muted">none</span>`) },
        { header: 'Last deploy', render: (s: StageRecord) => html`<${TimeAgo} ts=${s.lastDeployAt} />`, optional: true },
      ]}
    />
  </section>`;
}
