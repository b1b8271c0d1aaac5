// Where toasts appear: a polite live region, so each one is read once without interrupting.

import { html } from 'htm/preact';
import { useSharedState } from '../shared-state.js';
import { dismissToast, toasts } from '../toasts.js';
import { Icon } from './icon.js';

export function ToastRegion() {
  const list = useSharedState(toasts);
  return html`<div class="toasts" aria-live="polite" aria-relevant="additions">
    ${list.map(
      (toast) => html`<div key=${toast.id} class=${`toast tone-${toast.tone === 'error' ? 'danger' : toast.tone === 'success' ? 'ok' : 'info'}`} role=${toast.tone === 'error' ? 'alert' : 'status'}>
        <${Icon} name=${toast.tone === 'error' ? 'alert' : toast.tone === 'success' ? 'check' : 'dot'} />
        <div class="toast-body">
          <p class="toast-title">${toast.title}</p>
          ${toast.detail ? html`<p class="toast-detail">${toast.detail}</p>` : null}
        </div>
        <button type="button" class="icon-button" aria-label="Dismiss" onClick=${() => dismissToast(toast.id)}><${Icon} name="x" size=${14} /></button>
      </div>`,
    )}
  </div>`;
}
