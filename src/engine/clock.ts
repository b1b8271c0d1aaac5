// Time as a port: the rollout driver waits through a Clock, so tests advance a fake clock instead of sleeping.

export interface Clock {
  now(): number;
  /** Calls fn at (or soon after) the absolute time `at`; returns a cancel function. */
  at(at: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  at(at, fn) {
    const timer = setTimeout(fn, Math.max(0, at - Date.now()));
    timer.unref?.();
    return () => clearTimeout(timer);
  },
};

/** A clock that only moves when told to; timers due at or before the new time fire in time order. */
export class FakeClock implements Clock {
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 0;

  constructor(private current = 0) {}

  now(): number {
    return this.current;
  }

  at(at: number, fn: () => void): () => void {
    const id = this.nextId++;
    this.timers.push({ at, fn, id });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }

  /** Moves time forward by ms, firing due timers in order (a timer may schedule more). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t.id !== due.id);
      this.current = Math.max(this.current, due.at);
      due.fn();
    }
    this.current = target;
  }

  pending(): number {
    return this.timers.length;
  }
}
