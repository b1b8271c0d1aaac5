// When the gateway hands invocations to a worker thread: each at once, or those of one event-loop turn
// together at its end.
//
// Together saves a message and a thread wake-up per invocation, which a busy gateway needs: a hello handler
// at 50 connections serves ~20% fewer requests when every invocation travels alone. But waiting for the end
// of the turn delays each handler's start by the time the gateway spends on the rest of the turn's requests,
// which a gateway with time to spare need not pay: a handler awaiting 20 ms at 50 connections serves ~3-4%
// more requests when each invocation leaves at once (measured with `npm run bench -- gateway`).
// So the gateway batches only while its event loop is busy, judged by its event-loop utilisation over the
// last 100 ms, with hysteresis so that a load near the threshold does not switch back and forth.

import { performance } from 'node:perf_hooks';

export interface DispatchPacing {
  /** True: invocations wait for the end of the event-loop turn and travel to the worker together. */
  batching(): boolean;
}

/** Cumulative time of the event loop, in ms, as performance.eventLoopUtilization() reports it. */
export interface LoopTime {
  active: number;
  idle: number;
}

export const ALWAYS_BATCH: DispatchPacing = { batching: () => true };
export const NEVER_BATCH: DispatchPacing = { batching: () => false };

export const PACING_WINDOW_MS = 100;
/** Utilisation above which a loop that was not batching starts to. */
const BATCH_ABOVE = 0.5;
/** Utilisation below which a batching loop stops. */
const STOP_BATCHING_BELOW = 0.3;

export class EventLoopPacing implements DispatchPacing {
  private busy = false;
  // The loop's own times give the window's length too, but reading them allocates: a clock read decides
  // whether a window is over, so most calls cost one performance.now().
  private last: LoopTime;
  private lastAt: number;

  constructor(
    private readonly read: () => LoopTime = () => performance.eventLoopUtilization(),
    private readonly now: () => number = () => performance.now(),
  ) {
    this.last = read();
    this.lastAt = now();
  }

  batching(): boolean {
    const now = this.now();
    if (now - this.lastAt < PACING_WINDOW_MS) return this.busy;
    const current = this.read();
    const elapsed = current.active + current.idle - (this.last.active + this.last.idle);
    // Before the event loop runs, its times stay at zero: keep the last judgement.
    if (elapsed > 0) {
      const utilization = (current.active - this.last.active) / elapsed;
      this.busy = this.busy ? utilization >= STOP_BATCHING_BELOW : utilization > BATCH_ABOVE;
    }
    this.last = current;
    this.lastAt = now;
    return this.busy;
  }
}
