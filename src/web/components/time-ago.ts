// Relative times that stay true while the page is open: one shared ten-second clock re-renders every
// `<TimeAgo>`; countdowns use their own one-second ticker.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { formatAge, formatDateTime } from '../formats.js';
import { SharedState, useSharedState } from '../shared-state.js';

const clock = new SharedState(Date.now());
setInterval(() => clock.set(Date.now()), 10_000);

/** The current time to ten seconds, shared by every component on the page. */
export function useClock(): number {
  return useSharedState(clock);
}

/** The current time, re-read every `intervalMs` (a countdown). */
export function useTicker(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export function TimeAgo({ ts }: { ts: number | null | undefined }) {
  useClock();
  if (ts === null || ts === undefined) return html`<span class="muted">—</span>`;
  return html`<time datetime=${new Date(ts).toISOString()} title=${formatDateTime(ts)}>${formatAge(ts, Date.now())}</time>`;
}
