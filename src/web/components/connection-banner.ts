// "Connection to the control plane lost — reconnecting…": shown while the event stream is down (the server
// stopped, the network dropped), gone as soon as it is back. The region is always present so screen
// readers announce the change.

import { html } from 'htm/preact';
import { events } from '../event-stream.js';
import { useSharedState } from '../shared-state.js';
import { Icon } from './icon.js';

export function ConnectionBanner() {
  const state = useSharedState(events.connection);
  return html`<div class="connection-region" aria-live="polite">
    ${state === 'lost'
      ? html`<div class="connection-banner" role="status" data-testid="connection-banner">
          <${Icon} name="spinner" class="spin" />
          <span>Connection to the control plane lost — reconnecting…</span>
          <button type="button" class="button button-small" onClick=${() => events.retryNow()}>Retry now</button>
        </div>`
      : null}
  </div>`;
}
