// Settings › Profiles: each profile's params, its secrets by name (a value can be set, never read back: the
// field is a password input cleared after saving), and which stages use it.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { apiPut, path } from '../api-client.js';
import type { Identity, ProfileSummary } from '../api-types.js';
import { hasRole, mayUseProfile } from '../auth.js';
import { Icon } from '../components/icon.js';
import { Tag } from '../components/status-badge.js';
import { TimeAgo } from '../components/time-ago.js';
import { effectiveParams } from '../profile-params.js';
import { paths } from '../router.js';
import { showError, showToast } from '../toasts.js';

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

export function ProfilesSection({ profiles, identity, onChanged }: { profiles: ProfileSummary[]; identity: Identity; onChanged: () => void }) {
  return html`<section aria-labelledby="profiles-title" class="stack">
    <div class="section-head">
      <h2 id="profiles-title">Profiles</h2>
      <span class="muted">Params, secrets and approval rules that stages get.</span>
    </div>
    ${profiles.length === 0 ? html`<p class="empty card">No profiles yet: they appear with the first deploy.</p>` : null}
    ${profiles.map((profile) => html`<${ProfileCard} key=${profile.name} profile=${profile} mayEdit=${hasRole(identity, 'admin') && mayUseProfile(identity, profile.name)} onChanged=${onChanged} />`)}
  </section>`;
}

function ProfileCard({ profile, mayEdit, onChanged }: { profile: ProfileSummary; mayEdit: boolean; onChanged: () => void }) {
  const apps = profile.manifestParams.map((m) => m.app);
  const groups = apps.length <= 1 ? [{ app: apps[0] ?? null, params: effectiveParams(profile, apps[0] ?? null) }] : apps.map((app) => ({ app, params: effectiveParams(profile, app) }));
  const titleId = `profile-${profile.name}`;
  return html`<article class="card" aria-labelledby=${titleId}>
    <div class="card-head">
      <h3 id=${titleId} class="card-title">${profile.name}</h3>
      ${profile.approval === 'required' ? html`<${Tag} icon="lock" tone="warn" title="Changes to its stages need an approver">approval required<//>` : null}
    </div>
    <dl class="profile-facts">
      <div>
        <dt>Stages</dt>
        <dd>
          ${profile.stages.length === 0
            ? html`<span class="muted">none deployed</span>`
            : profile.stages.map((s, i) => html`${i ? ', ' : ''}<a href=${paths.stage(s.app, s.stage)}>${s.app}/${s.stage}</a>`)}
        </dd>
      </div>
      ${profile.mappedBy.length > 0
        ? html`<div>
            <dt>Mapped in sluice.app.yml</dt>
            <dd>${profile.mappedBy.map((m, i) => html`${i ? ', ' : ''}<code>${m.app}: ${m.stage === '*' ? '* (every other stage)' : m.stage}</code>`)}</dd>
          </div>`
        : null}
    </dl>
    <div class="profile-grid">
      <div>
        <h4 class="subheading">Params</h4>
        ${groups.map(
          (group) => html`<div key=${group.app ?? '-'} class="param-group">
            ${apps.length > 1 ? html`<p class="small muted">${group.app}</p>` : null}
            ${group.params.length === 0
              ? html`<p class="muted small">None.</p>`
              : html`<dl class="kv">
                  ${group.params.map(
                    (param) => html`<div key=${param.name} class="kv-row">
                      <dt>${param.name}</dt>
                      <dd class="param-value"><code>${param.value}</code>${param.source === 'stored' ? html`<${Tag} title=${param.overrides !== undefined ? `Overrides ${param.overrides} from sluice.app.yml` : 'Set with sluice params set'}>stored<//>` : null}</dd>
                    </div>`,
                  )}
                </dl>`}
          </div>`,
        )}
      </div>
      <div>
        <h4 class="subheading">Secrets</h4>
        ${profile.secrets.length === 0 ? html`<p class="muted small">None.</p>` : null}
        <ul class="secret-list">
          ${profile.secrets.map(
            (secret) => html`<li key=${secret.name} class="secret-row">
              <span class="secret-name"><${Icon} name="lock" size=${12} /> ${secret.name}</span>
              <span class="muted small">set <${TimeAgo} ts=${secret.updatedAt} /></span>
              ${mayEdit ? html`<${SecretForm} profile=${profile.name} name=${secret.name} onSaved=${onChanged} />` : null}
            </li>`,
          )}
        </ul>
        ${mayEdit ? html`<${SecretForm} profile=${profile.name} onSaved=${onChanged} />` : null}
      </div>
    </div>
  </article>`;
}

/** Sets a secret's value. With no `name`, it adds a new secret. The value leaves the page only in the PUT. */
function SecretForm({ profile, name, onSaved }: { profile: string; name?: string; onSaved: () => void }) {
  const [open, setOpen] = useState(false);
  const [newName, setNewName] = useState('');
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const target = name ?? newName.trim();
  const nameProblem = !name && newName.trim() && !SECRET_NAME.test(newName.trim()) ? 'Letters, digits, _ . and -, starting with a letter or _.' : null;
  if (!open) {
    return html`<button type="button" class=${`button button-small ${name ? 'button-ghost' : ''}`} onClick=${() => setOpen(true)} aria-label=${name ? `Set a new value for ${name} in ${profile}` : `Add a secret to ${profile}`}>
      ${name ? 'Set value' : html`<${Icon} name="lock" size=${13} />Add secret`}
    </button>`;
  }
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!target || !value || nameProblem) return;
    setBusy(true);
    try {
      await apiPut(path`/api/profiles/${profile}/secrets/${target}`, { value });
      setValue('');
      setNewName('');
      setOpen(false);
      showToast({ tone: 'success', title: `Secret ${target} set in ${profile}`, detail: 'Stages of this profile get it at their next deploy.' });
      onSaved();
    } catch (error) {
      showError(error, `Setting ${target} failed`);
    } finally {
      setBusy(false);
    }
  };
  const idBase = `secret-${profile}-${name ?? 'new'}`;
  return html`<form class="secret-form" onSubmit=${submit} autocomplete="off">
    ${name
      ? null
      : html`<label class="field" for=${`${idBase}-name`}>
          <span class="field-label">Name</span>
          <input id=${`${idBase}-name`} class="input input-small" value=${newName} required spellcheck=${false} placeholder="STRIPE_KEY" aria-invalid=${nameProblem ? 'true' : undefined} aria-describedby=${nameProblem ? `${idBase}-problem` : undefined} onInput=${(e: Event) => setNewName((e.target as HTMLInputElement).value)} />
        </label>`}
    <label class="field" for=${`${idBase}-value`}>
      <span class="field-label">${name ? `New value of ${name}` : 'Value'}</span>
      <input id=${`${idBase}-value`} class="input input-small" type="password" autocomplete="new-password" required value=${value} onInput=${(e: Event) => setValue((e.target as HTMLInputElement).value)} />
    </label>
    ${nameProblem ? html`<p id=${`${idBase}-problem`} class="field-error">${nameProblem}</p>` : null}
    <div class="button-row">
      <button type="submit" class="button button-small button-primary" disabled=${busy || !value || !target || Boolean(nameProblem)}>${busy ? 'Saving…' : 'Save'}</button>
      <button type="button" class="button button-small button-ghost" onClick=${() => {
        setValue('');
        setOpen(false);
      }}>Cancel</button>
    </div>
  </form>`;
}
