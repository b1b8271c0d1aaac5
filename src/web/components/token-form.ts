// Asked when the control plane wants a token (it is not on loopback, or tokens exist): the token is kept in
// sessionStorage for this tab only, and sent as a bearer token.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { createdToken, signIn } from '../auth.js';
import { useSharedState } from '../shared-state.js';
import { CopyButton } from './copy-button.js';
import { Icon } from './icon.js';

export function TokenForm({ message }: { message: string | null }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const created = useSharedState(createdToken);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!token.trim()) return;
    setBusy(true);
    await signIn(token);
    setBusy(false);
  };
  return html`<section class="signin card" aria-labelledby="signin-title">
    <h1 id="signin-title" class="page-title" tabindex="-1">Sign in to Sluice</h1>
    <p class="muted">This control plane needs an API token. Create one with <code>sluice tokens create NAME --role viewer</code>; it stays in this tab only.</p>
    ${created
      ? html`<div class="callout tone-ok" role="status">
          <${Icon} name="check" />
          <div>
            <p class="callout-title">You created token ${created.name} (${created.role}). Copy it now: it is not shown again.</p>
            <div class="token-value"><code>${created.token}</code><${CopyButton} value=${created.token} label=${`Copy the token ${created.name}`} /></div>
            <div class="button-row">
              <button type="button" class="button button-small button-primary" onClick=${() => void signIn(created.token)}>Sign in with it</button>
              <button type="button" class="button button-small button-ghost" onClick=${() => createdToken.set(null)}>Forget it</button>
            </div>
          </div>
        </div>`
      : message
        ? html`<div class="notice tone-danger" role="alert"><${Icon} name="alert" /><p>${message}</p></div>`
        : null}
    <form onSubmit=${submit} class="form-stack">
      <label class="field">
        <span class="field-label">API token</span>
        <input type="password" class="input" autocomplete="off" spellcheck=${false} placeholder="slc_…" value=${token} onInput=${(e: Event) => setToken((e.target as HTMLInputElement).value)} required />
      </label>
      <button type="submit" class="button button-primary" disabled=${busy || !token.trim()}>${busy ? 'Checking…' : 'Sign in'}</button>
    </form>
  </section>`;
}
