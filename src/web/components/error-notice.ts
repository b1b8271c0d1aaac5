// An API error where the data should be: what went wrong, the hint of what to do, and a retry.

import { html } from 'htm/preact';
import type { ApiError } from '../api-client.js';
import { Icon } from './icon.js';

export function ErrorNotice({ error, onRetry, title }: { error: ApiError; onRetry?: () => void; title?: string }) {
  return html`<div class="notice tone-danger" role="alert">
    <${Icon} name="alert" size=${18} />
    <div class="notice-body">
      <p class="notice-title">${title ?? error.message}</p>
      ${title ? html`<p>${error.message}</p>` : null}
      ${error.hint ? html`<p class="notice-hint">${error.hint}</p>` : null}
      <p class="notice-code">${error.code}${error.status ? ` · HTTP ${error.status}` : ''}</p>
    </div>
    ${onRetry ? html`<button type="button" class="button button-small" onClick=${onRetry}>Retry</button>` : null}
  </div>`;
}

export function Loading({ label = 'Loading' }: { label?: string }) {
  return html`<div class="loading" role="status"><span class="loading-bar" aria-hidden="true"></span><span class="sr-only">${label}…</span></div>`;
}
