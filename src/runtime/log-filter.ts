// Where function log lines pass through a filter before they are buffered for the store: the gateway
// process plugs in secret masking (src/secrets), the runtime itself knows nothing of secrets. The filter
// works on a stream per invocation, opened when the invocation starts and ended with its outcome, so it can
// hold a line back until it has seen the next (a secret printed in two parts). Lines of no open invocation
// (a worker's start-up, a callback that outlives its invocation) pass through one by one.

import type { LogLevel } from '../store/types.js';
import type { InvocationLogs, LogOrigin } from './invocation-logs.js';

/** One invocation's text, emitted in order, every piece once, by end() at the latest. */
export interface LogLineStream<T> {
  write(item: T, text: string): void;
  end(): void;
}

export interface LogFilter {
  open<T>(emit: (item: T, text: string) => void): LogLineStream<T>;
}

interface PendingLine {
  origin: LogOrigin;
  requestId: string;
  level: LogLevel;
  ts: number;
}

export class FilteredInvocationLogs {
  private readonly streams = new Map<string, LogLineStream<PendingLine>>();
  private readonly emit = (line: PendingLine, text: string): void => this.logs.add(line.origin, line.requestId, line.level, text, line.ts);

  constructor(
    private readonly logs: InvocationLogs,
    private readonly filter: LogFilter | undefined,
    private readonly now: () => number,
  ) {}

  /** An invocation starts: its lines go through one stream until end(). */
  begin(requestId: string): void {
    if (this.filter !== undefined) this.streams.set(requestId, this.filter.open(this.emit));
  }

  add(origin: LogOrigin, requestId: string, level: LogLevel, message: string): void {
    if (this.filter === undefined) {
      this.logs.add(origin, requestId, level, message);
      return;
    }
    const line = { origin, requestId, level, ts: this.now() };
    const stream = this.streams.get(requestId);
    if (stream !== undefined) {
      stream.write(line, message);
      return;
    }
    const once = this.filter.open(this.emit);
    once.write(line, message);
    once.end();
  }

  /** The invocation ended: what its stream holds is emitted. */
  end(requestId: string): void {
    const stream = this.streams.get(requestId);
    if (stream === undefined) return;
    this.streams.delete(requestId);
    stream.end();
  }
}
