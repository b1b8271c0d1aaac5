// Where function log lines pass through a filter before they are buffered for the store: the gateway
// process plugs in secret masking (src/secrets), the runtime itself knows nothing of secrets. The filter
// works on a stream per invocation, opened by the invocation's first line and ended with its outcome, so it
// can hold a line back until it has seen the next (a secret printed in two parts). Lines of no open
// invocation (a worker's start-up, a callback that outlives its invocation) pass through one by one.
// Whether an invocation is open is the caller's to say with each line (the worker's host knows which it
// holds), so an invocation that logs nothing costs nothing here.

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
  /** Streams of open invocations that logged, by request id. */
  private readonly streams = new Map<string, LogLineStream<PendingLine>>();
  private readonly emit = (line: PendingLine, text: string): void => this.logs.add(line.origin, line.requestId, line.level, text, line.ts);

  constructor(
    private readonly logs: InvocationLogs,
    private readonly filter: LogFilter | undefined,
    private readonly now: () => number,
  ) {}

  /** `open`: the line belongs to an invocation not ended yet; its lines go through one stream until end(). */
  add(origin: LogOrigin, requestId: string, level: LogLevel, message: string, open: boolean): void {
    if (this.filter === undefined) {
      this.logs.add(origin, requestId, level, message);
      return;
    }
    const line = { origin, requestId, level, ts: this.now() };
    if (open) {
      let stream = this.streams.get(requestId);
      if (stream === undefined) {
        stream = this.filter.open(this.emit);
        this.streams.set(requestId, stream);
      }
      stream.write(line, message);
      return;
    }
    const once = this.filter.open(this.emit);
    once.write(line, message);
    once.end();
  }

  /** The invocation ended: what its stream holds is emitted. */
  end(requestId: string): void {
    if (this.streams.size === 0) return;
    const stream = this.streams.get(requestId);
    if (stream === undefined) return;
    this.streams.delete(requestId);
    stream.end();
  }
}
