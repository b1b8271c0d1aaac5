// The params a stage gets from its profile (its app's manifest, overridden by stored ones), and the
// profile's secrets by name only: values never reach the page.

import { html } from 'htm/preact';
import { apiGet } from '../api-client.js';
import type { ProfileSummary } from '../api-types.js';
import { ErrorNotice, Loading } from '../components/error-notice.js';
import { Icon } from '../components/icon.js';
import { Tag } from '../components/status-badge.js';
import { TimeAgo } from '../components/time-ago.js';
import { eventFilter, useLiveResource } from '../live-resource.js';
import { effectiveParams } from '../profile-params.js';

export function ProfileValuesSection({ app, profile }: { app: string; profile: string }) {
  const profiles = useLiveResource((signal) => apiGet<{ profiles: ProfileSummary[] }>('/api/profiles', signal).then((r) => r.profiles), 'profiles', {
    relevant: eventFilter(['param.', 'secret.', 'deployment.succeeded']),
  });
  const data = profiles.data?.find((p) => p.name === profile);
  const params = data ? effectiveParams(data, app) : [];
  return html`<section class="card" aria-labelledby="params-title">
    <div class="card-head">
      <h2 id="params-title">Parameters</h2>
      <span class="muted small">from profile <a href="/settings">${profile}</a></span>
    </div>
    ${profiles.error && !profiles.data ? html`<${ErrorNotice} error=${profiles.error} onRetry=${profiles.reload} />` : null}
    ${!profiles.data && !profiles.error ? html`<${Loading} label="Loading parameters" />` : null}
    ${profiles.data
      ? params.length === 0 && (data?.secrets.length ?? 0) === 0
        ? html`<p class="empty">Profile ${profile} has no params or secrets.</p>`
        : html`<dl class="kv">
            ${params.map(
              (param) => html`<div key=${`p-${param.name}`} class="kv-row">
                <dt>${param.name}</dt>
                <dd class="param-value">
                  <code>${param.value}</code>
                  ${param.source === 'stored' ? html`<${Tag} title=${param.overrides !== undefined ? `Overrides ${param.overrides} from sluice.app.yml` : 'Set with sluice params set'}>stored<//>` : null}
                </dd>
              </div>`,
            )}
            ${data?.secrets.map(
              (secret) => html`<div key=${`s-${secret.name}`} class="kv-row">
                <dt>${secret.name}</dt>
                <dd class="secret-value">
                  <span class="masked"><${Icon} name="lock" size=${12} /><span aria-hidden="true">••••••••</span><span class="sr-only">secret, value hidden</span></span>
                  <span class="muted small">set <${TimeAgo} ts=${secret.updatedAt} /></span>
                </dd>
              </div>`,
            )}
          </dl>`
      : null}
  </section>`;
}
