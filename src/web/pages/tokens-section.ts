// Settings › API tokens (admin): who can call the control plane with which role. A new token is shown once,
// right after it is made; the list only ever shows names.

import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { apiPost, path } from '../api-client.js';
import type { Identity, TokenRole, TokenRecord } from '../api-types.js';
import { createdToken } from '../auth.js';
import { ConfirmButton } from '../components/action-button.js';
import { CopyButton } from '../components/copy-button.js';
import { ErrorNotice, Loading } from '../components/error-notice.js';
import { Icon } from '../components/icon.js';
import { StatusBadge, Tag } from '../components/status-badge.js';
import { DataTable } from '../components/table.js';
import { TimeAgo } from '../components/time-ago.js';
import type { LiveResource } from '../live-resource.js';
import { useSharedState } from '../shared-state.js';
import { showError } from '../toasts.js';

const ROLES: Array<{ role: TokenRole; may: string }> = [
  { role: 'viewer', may: 'reads everything' },
  { role: 'deployer', may: 'deploys and rolls back stages without approval' },
  { role: 'approver', may: 'also changes prod-like stages and approves runs' },
  { role: 'admin', may: 'also manages tokens, params and secrets' },
];
const EXPIRIES = [
  { value: '', label: 'Never' },
  { value: '7d', label: '7 days' },
  { value: '30d', label: '30 days' },
  { value: '90d', label: '90 days' },
  { value: '365d', label: '1 year' },
];

export function TokensSection({ tokens, profiles, identity }: { tokens: LiveResource<TokenRecord[]>; profiles: string[]; identity: Identity }) {
  const created = useSharedState(createdToken);
  const [creating, setCreating] = useState(false);
  const firstToken = identity.kind === 'local' && (tokens.data ?? []).every((t) => t.revokedAt !== null);
  return html`<section class="card" aria-labelledby="tokens-title">
    <div class="card-head">
      <h2 id="tokens-title">API tokens</h2>
      <span class="muted small">For the CLI, CI jobs and this dashboard. Stored hashed.</span>
    </div>
    ${created
      ? html`<div class="callout tone-ok new-token" role="status">
          <${Icon} name="check" />
          <div>
            <p class="callout-title">Token ${created.name} created. Copy it now: it is not shown again.</p>
            <div class="token-value"><code>${created.token}</code><${CopyButton} value=${created.token} label=${`Copy the token ${created.name}`} /></div>
            <button type="button" class="button button-small button-ghost" onClick=${() => createdToken.set(null)}>I have copied it</button>
          </div>
        </div>`
      : null}
    ${tokens.error && !tokens.data ? html`<${ErrorNotice} error=${tokens.error} onRetry=${tokens.reload} />` : null}
    ${!tokens.data && !tokens.error ? html`<${Loading} label="Loading tokens" />` : null}
    ${tokens.data
      ? html`<${DataTable}
          caption="API tokens"
          rows=${[...tokens.data].sort((a, b) => Number(a.revokedAt !== null) - Number(b.revokedAt !== null) || b.createdAt - a.createdAt)}
          rowKey=${(t: TokenRecord) => t.id}
          rowClass=${(t: TokenRecord) => (t.revokedAt ? 'row-muted' : '')}
          empty="No tokens yet. While none exists, a control plane on loopback lets the local user in as admin."
          columns=${[
            { header: 'Name', render: (t: TokenRecord) => html`<span class="strong">${t.name}</span>` },
            { header: 'Role', render: (t: TokenRecord) => html`<${Tag}>${t.role}<//>` },
            { header: 'Profiles', render: (t: TokenRecord) => (t.profiles ? t.profiles.join(', ') : html`<span class="muted">all</span>`), optional: true },
            { header: 'Created', render: (t: TokenRecord) => html`<${TimeAgo} ts=${t.createdAt} /> <span class="muted small">by ${t.createdBy}</span>`, optional: true },
            { header: 'Last used', render: (t: TokenRecord) => (t.lastUsedAt ? html`<${TimeAgo} ts=${t.lastUsedAt} />` : html`<span class="muted">never</span>`), optional: true },
            { header: 'Status', render: tokenStatus },
            {
              header: 'Action',
              render: (t: TokenRecord) =>
                t.revokedAt
                  ? null
                  : html`<${ConfirmButton}
                      label="Revoke"
                      compact=${true}
                      ariaLabel=${`Revoke token ${t.name}`}
                      title=${`Revoke token ${t.name}?`}
                      confirmLabel="Revoke now"
                      body=${html`<p>Every call with this token fails from now on. It stays listed as revoked.</p>`}
                      onConfirm=${() => apiPost(path`/api/tokens/${t.name}/revoke`).then(tokens.reload)}
                      success=${`Token ${t.name} revoked`}
                    />`,
            },
          ]}
        />`
      : null}
    ${creating && firstToken
      ? html`<p class="notice tone-warn small" id="first-token-note"><${Icon} name="alert" />This is the first token: once it exists, this control plane asks every caller for a token, this page included. Make it an admin token and keep it.</p>`
      : null}
    ${creating
      ? html`<${CreateTokenForm}
          profiles=${profiles}
          initialRole=${firstToken ? 'admin' : 'viewer'}
          onCancel=${() => setCreating(false)}
          onCreated=${(token: string, record: TokenRecord) => {
            createdToken.set({ token, name: record.name, role: record.role });
            setCreating(false);
            tokens.reload();
          }}
        />`
      : html`<div><button type="button" class="button" onClick=${() => setCreating(true)}>New token</button></div>`}
  </section>`;
}

function tokenStatus(t: TokenRecord) {
  if (t.revokedAt) return html`<${StatusBadge} status="canceled" label="Revoked" />`;
  if (t.expiresAt && t.expiresAt < Date.now()) return html`<${StatusBadge} status="canceled" label="Expired" />`;
  if (t.expiresAt) return html`<span class="small">expires <time datetime=${new Date(t.expiresAt).toISOString()}>${new Date(t.expiresAt).toLocaleDateString()}</time></span>`;
  return html`<${StatusBadge} status="live" label="Active" />`;
}

function CreateTokenForm({ profiles, initialRole, onCreated, onCancel }: { profiles: string[]; initialRole: TokenRole; onCreated: (token: string, record: TokenRecord) => void; onCancel: () => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<TokenRole>(initialRole);
  const [expires, setExpires] = useState('');
  const [limited, setLimited] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const nameOk = /^[a-z][a-z0-9-]{0,62}$/.test(name);
  const nameInput = useRef<HTMLInputElement>(null);
  useEffect(() => nameInput.current?.focus(), []);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!nameOk) return;
    setBusy(true);
    try {
      const body = { name, role, ...(expires ? { expires } : {}), ...(limited.length ? { profiles: limited } : {}) };
      const answer = await apiPost<{ token: string; record: TokenRecord }>('/api/tokens', body);
      onCreated(answer.token, answer.record);
      setName('');
      setLimited([]);
    } catch (error) {
      showError(error, 'Creating the token failed');
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="token-form" onSubmit=${submit} aria-label="Create a token">
    <label class="field">
      <span class="field-label">Name</span>
      <input ref=${nameInput} class="input" value=${name} required spellcheck=${false} placeholder="ci-deployer" aria-describedby="token-name-help" onInput=${(e: Event) => setName((e.target as HTMLInputElement).value)} />
      <span id="token-name-help" class=${`field-help ${name && !nameOk ? 'field-error' : ''}`}>Lowercase letters, digits and dashes.</span>
    </label>
    <label class="field">
      <span class="field-label">Role</span>
      <select class="input" value=${role} onChange=${(e: Event) => setRole((e.target as HTMLSelectElement).value as TokenRole)} aria-describedby="token-role-help">
        ${ROLES.map((r) => html`<option key=${r.role} value=${r.role}>${r.role}</option>`)}
      </select>
      <span id="token-role-help" class="field-help">${ROLES.find((r) => r.role === role)?.may}</span>
    </label>
    <label class="field">
      <span class="field-label">Expires</span>
      <select class="input" value=${expires} onChange=${(e: Event) => setExpires((e.target as HTMLSelectElement).value)}>
        ${EXPIRIES.map((x) => html`<option key=${x.value} value=${x.value}>${x.label}</option>`)}
      </select>
    </label>
    ${profiles.length > 0
      ? html`<fieldset class="field profile-choice">
          <legend class="field-label">Only these profiles <span class="muted">(none: all)</span></legend>
          <div class="checkbox-row">
            ${profiles.map(
              (p) => html`<label key=${p} class="checkbox">
                <input type="checkbox" checked=${limited.includes(p)} onChange=${(e: Event) => setLimited((e.target as HTMLInputElement).checked ? [...limited, p] : limited.filter((x) => x !== p))} />
                ${p}
              </label>`,
            )}
          </div>
        </fieldset>`
      : null}
    <div class="token-form-submit button-row">
      <button type="submit" class="button button-primary" disabled=${busy || !nameOk}>${busy ? 'Creating…' : 'Create token'}</button>
      <button type="button" class="button button-ghost" onClick=${onCancel}>Cancel</button>
    </div>
  </form>`;
}
