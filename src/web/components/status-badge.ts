// A status as a word with an icon and a tone: never color alone. One vocabulary for runs, steps, rollouts
// and deployments, so "failed" looks the same everywhere.

import { html } from 'htm/preact';
import { Icon, type IconName } from './icon.js';

export type Tone = 'ok' | 'danger' | 'warn' | 'info' | 'neutral';

const STATUSES: Record<string, { tone: Tone; icon: IconName; label: string }> = {
  succeeded: { tone: 'ok', icon: 'check', label: 'Succeeded' },
  failed: { tone: 'danger', icon: 'x', label: 'Failed' },
  rejected: { tone: 'danger', icon: 'x', label: 'Rejected' },
  aborted: { tone: 'warn', icon: 'rollback', label: 'Aborted, rolled back' },
  canceled: { tone: 'neutral', icon: 'slash', label: 'Canceled' },
  skipped: { tone: 'neutral', icon: 'skip', label: 'Skipped' },
  nochange: { tone: 'neutral', icon: 'skip', label: 'No change' },
  queued: { tone: 'neutral', icon: 'clock', label: 'Queued' },
  pending: { tone: 'neutral', icon: 'pending', label: 'Pending' },
  running: { tone: 'info', icon: 'spinner', label: 'Running' },
  active: { tone: 'info', icon: 'spinner', label: 'In progress' },
  awaiting_approval: { tone: 'warn', icon: 'pause', label: 'Awaiting approval' },
  shifting: { tone: 'info', icon: 'spinner', label: 'Shifting traffic' },
  preTraffic: { tone: 'info', icon: 'hook', label: 'Pre-traffic hook' },
  postTraffic: { tone: 'info', icon: 'hook', label: 'Post-traffic hook' },
  rollingBack: { tone: 'warn', icon: 'rollback', label: 'Rolling back' },
  paused: { tone: 'warn', icon: 'pause', label: 'Paused' },
  live: { tone: 'ok', icon: 'dot', label: 'Live' },
};

export function StatusBadge({ status, label }: { status: string; label?: string }) {
  const known = STATUSES[status] ?? { tone: 'neutral' as Tone, icon: 'dot' as IconName, label: status };
  return html`<span class=${`badge tone-${known.tone}`} data-status=${status}>
    <${Icon} name=${known.icon} size=${13} class=${known.icon === 'spinner' ? 'spin' : ''} />
    ${label ?? known.label}
  </span>`;
}

/** A quiet label: a profile, a kind, "approval required". */
export function Tag({ children, icon, tone = 'neutral', title }: { children: unknown; icon?: IconName; tone?: Tone; title?: string }) {
  return html`<span class=${`tag tone-${tone}`} title=${title}>${icon ? html`<${Icon} name=${icon} size=${12} />` : null}${children}</span>`;
}
