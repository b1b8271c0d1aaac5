// When a schedule fires: at absolute times that every gateway computes alike, so that with several
// gateways (one per control-plane process) the same run has the same scheduled time everywhere and can be
// claimed once through the store. `rate(N unit)` runs at the multiples of its period since the epoch
// (rate(5 minutes): :00, :05, …), as a cron expression runs at its matching seconds (UTC).

import { Cron } from 'croner';
import type { ScheduleSpec } from './schedule-expression.js';

/** The first scheduled time strictly after `after` (epoch ms), or null when the schedule never runs again. */
export function nextScheduledTime(spec: ScheduleSpec, after: number): number | null {
  if (spec.kind === 'rate') return (Math.floor(after / spec.everyMs) + 1) * spec.everyMs;
  const next = new Cron(spec.pattern, { paused: true, timezone: 'UTC' }).nextRun(new Date(after));
  return next === null ? null : next.getTime();
}

// setTimeout takes at most 2^31-1 ms; a far run is reached by waking up on the way.
const MAX_WAIT_MS = 60_000;

export interface ScheduleTimer {
  stop(): void;
}

/**
 * Calls `fire(scheduledAt)` at every scheduled time from now on. A run missed while the event loop was
 * blocked is not repeated: the timer goes on from the current time.
 */
export function startScheduleTimer(spec: ScheduleSpec, fire: (scheduledAt: number) => void, now: () => number = Date.now): ScheduleTimer {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = (due: number | null) => {
    if (stopped || due === null) return;
    timer = setTimeout(() => {
      if (stopped) return;
      // Timers may fire a millisecond early against the wall clock, and far runs wake up on the way.
      if (now() < due) return arm(due);
      fire(due);
      arm(nextScheduledTime(spec, Math.max(due, now())));
    }, Math.min(MAX_WAIT_MS, Math.max(0, due - now())));
    timer.unref();
  };
  arm(nextScheduledTime(spec, now()));
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
