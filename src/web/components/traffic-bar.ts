// Where a service's traffic goes during a rollout: the old versions' share and the new ones', as a bar with
// both percentages written out and one sentence for screen readers.

import { html } from 'htm/preact';

export function TrafficBar({ weight, oldLabel, newLabel, compact = false }: { weight: number; oldLabel: string; newLabel: string; compact?: boolean }) {
  const newShare = Math.max(0, Math.min(100, Math.round(weight)));
  const oldShare = 100 - newShare;
  const sentence = `Traffic: ${oldLabel} ${oldShare}%, ${newLabel} ${newShare}%`;
  return html`<div class=${`traffic ${compact ? 'traffic-compact' : ''}`} role="img" aria-label=${sentence}>
    <div class="traffic-legend" aria-hidden="true">
      <span><span class="swatch swatch-old"></span>${oldLabel} <strong class="num">${oldShare}%</strong></span>
      <span><span class="swatch swatch-new"></span>${newLabel} <strong class="num">${newShare}%</strong></span>
    </div>
    <div class="traffic-track" aria-hidden="true">
      <div class="traffic-old" style=${{ width: `${oldShare}%` }}></div>
      <div class="traffic-new" style=${{ width: `${newShare}%` }}></div>
    </div>
  </div>`;
}
