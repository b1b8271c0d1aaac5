// A rollout's schedule: each step's weight and wait, which are done, the current one, and when the next one
// comes (a live countdown; while paused, the time left).

import { html } from 'htm/preact';
import type { RolloutPhase, ScheduleStep } from '../api-types.js';
import { Icon } from '../components/icon.js';
import { useTicker } from '../components/time-ago.js';
import { formatClock, formatDuration, formatTime } from '../formats.js';

export interface ScheduleView {
  steps: ScheduleStep[];
  stepIndex: number;
  phase: RolloutPhase;
  paused: boolean;
  nextStepAt: number | null;
  pausedRemainingMs: number | null;
  active: boolean;
}

export function RolloutSchedule({ view }: { view: ScheduleView }) {
  const now = useTicker(1000);
  const { steps, stepIndex, active } = view;
  const next = steps[stepIndex + 1];
  return html`<section class="card" aria-labelledby="schedule-title">
    <div class="card-head"><h2 id="schedule-title">Schedule</h2></div>
    ${active ? html`<p class="next-step" aria-live="off">${nextStepText(view, next, now)}</p>` : null}
    <ol class="steps">
      ${steps.map((step, i) => {
        const state = stepState(view, i);
        return html`<li key=${i} class=${`step step-${state}`} aria-current=${state === 'current' ? 'step' : undefined}>
          <span class="step-icon">${state === 'done' ? html`<${Icon} name="check" size=${14} />` : state === 'current' ? html`<${Icon} name="dot" size=${14} />` : html`<${Icon} name="pending" size=${14} />`}</span>
          <span class="step-weight num">${step.weight}%</span>
          <span class="step-wait muted">${step.waitMs > 0 ? `then wait ${formatDuration(step.waitMs)}` : i === steps.length - 1 ? 'all traffic' : 'no wait'}</span>
          <span class="sr-only">${state === 'done' ? '(done)' : state === 'current' ? '(current step)' : '(upcoming)'}</span>
        </li>`;
      })}
    </ol>
  </section>`;
}

function stepState(view: ScheduleView, i: number): 'done' | 'current' | 'upcoming' {
  if (!view.active) return view.phase === 'succeeded' || i <= view.stepIndex ? 'done' : 'upcoming';
  if (i < view.stepIndex) return 'done';
  if (i === view.stepIndex) return 'current';
  return 'upcoming';
}

function nextStepText(view: ScheduleView, next: ScheduleStep | undefined, now: number): string {
  if (view.phase === 'preTraffic') return 'Waiting for the pre-traffic hook before any traffic moves.';
  if (view.phase === 'postTraffic') return 'All traffic is on the new versions; waiting for the post-traffic hook.';
  if (view.phase === 'rollingBack') return 'Rolling back: traffic is going back to the old versions.';
  if (!next) return 'Last step reached.';
  if (view.paused) {
    const left = view.pausedRemainingMs;
    return `Paused. ${left !== null ? `${formatClock(left)} left at this step; ` : ''}resume to go on to ${next.weight}%.`;
  }
  if (view.nextStepAt === null) return `Next: ${next.weight}%.`;
  const left = view.nextStepAt - now;
  return left > 0 ? `Next step to ${next.weight}% in ${formatClock(left)} (at ${formatTime(view.nextStepAt)}), if the alarms stay quiet.` : `Moving to ${next.weight}%…`;
}
