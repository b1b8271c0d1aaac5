// A service's health in a few words: error rate and p99 over the window, or "no traffic". Above 1% errors
// it warns, above 5% it alarms, with an icon so color is not the only sign.

import { html } from 'htm/preact';
import type { ServiceHealth } from '../api-types.js';
import { formatMs, formatRate } from '../formats.js';
import { Icon } from './icon.js';

function healthTone(health: ServiceHealth): 'ok' | 'warn' | 'danger' | 'neutral' {
  if (health.errorRate === null || health.invocations === 0) return 'neutral';
  if (health.errorRate >= 0.05) return 'danger';
  if (health.errorRate >= 0.01) return 'warn';
  return 'ok';
}

export function HealthLabel({ health }: { health: ServiceHealth }) {
  const tone = healthTone(health);
  if (tone === 'neutral') return html`<span class="health muted">No traffic</span>`;
  const errorText = `${formatRate(health.errorRate ?? 0)} errors`;
  return html`<span class=${`health tone-text-${tone}`}>
    ${tone !== 'ok' ? html`<${Icon} name="alert" size=${13} />` : null}
    <span>${errorText}</span>
    ${health.p99Ms !== null ? html`<span class="health-sep" aria-hidden="true">·</span><span>p99 ${formatMs(health.p99Ms)}</span>` : null}
  </span>`;
}
