// Buffers function log lines (captured console output and the gateway's own system lines) and writes
// them to the store in batches, every flush interval: never one write per request. The buffer is bounded
// so a handler that logs in a loop, or a store that is down for a while, cannot exhaust the gateway's
// memory; what is dropped is counted and reported as one system line per function version. Lines a
// failed write gives back go in front of the newer ones, in order, within the same bound.

import type { LogEntry, LogLevel } from '../store/types.js';

export interface LogOrigin {
  app: string;
  stage: string;
  service: string;
  function: string;
  versionId: string;
}

export const MAX_BUFFERED_LOG_LINES = 20_000;
/** Longer messages are cut: a log line is for reading, not for shipping payloads. */
export const MAX_LOG_MESSAGE_CHARS = 16_384;

export class InvocationLogs {
  private buffer: LogEntry[] = [];
  private dropped = new Map<string, { origin: LogOrigin; count: number }>();

  constructor(private readonly now: () => number) {}

  get size(): number {
    return this.buffer.length;
  }

  add(origin: LogOrigin, requestId: string, level: LogLevel, message: string, ts = this.now()): void {
    if (this.buffer.length >= MAX_BUFFERED_LOG_LINES) {
      this.countDropped(origin);
      return;
    }
    const text = message.length > MAX_LOG_MESSAGE_CHARS ? `${message.slice(0, MAX_LOG_MESSAGE_CHARS)}… [truncated ${message.length - MAX_LOG_MESSAGE_CHARS} characters]` : message;
    this.buffer.push({ ts, app: origin.app, stage: origin.stage, service: origin.service, function: origin.function, versionId: origin.versionId, requestId, level, message: text });
  }

  /**
   * Gives back lines a write failed to store, to be taken again before the newer ones. Past the bound the
   * newest lines are dropped, as add() drops them when the buffer is full.
   */
  putBack(entries: LogEntry[]): void {
    if (entries.length === 0) return;
    const merged = entries.concat(this.buffer);
    for (let i = MAX_BUFFERED_LOG_LINES; i < merged.length; i++) {
      const e = merged[i];
      this.countDropped({ app: e.app, stage: e.stage, service: e.service, function: e.function, versionId: e.versionId });
    }
    if (merged.length > MAX_BUFFERED_LOG_LINES) merged.length = MAX_BUFFERED_LOG_LINES;
    this.buffer = merged;
  }

  /** Takes everything buffered (and a line per function whose lines were dropped). */
  take(): LogEntry[] {
    const entries = this.buffer;
    this.buffer = [];
    for (const { origin, count } of this.dropped.values()) {
      entries.push({ ts: this.now(), ...origin, requestId: '', level: 'system', message: `${count} log lines dropped: the function logged faster than the store could take them.` });
    }
    this.dropped.clear();
    return entries;
  }

  private countDropped(origin: LogOrigin): void {
    const key = `${origin.app}/${origin.stage}/${origin.service}/${origin.function}@${origin.versionId}`;
    const entry = this.dropped.get(key);
    if (entry) entry.count++;
    else this.dropped.set(key, { origin, count: 1 });
  }
}
