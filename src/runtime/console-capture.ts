// Captures a worker's console and stdout/stderr writes as log lines tagged with the request id of the
// invocation that wrote them. Several invocations share a worker, so the id comes from AsyncLocalStorage,
// which follows the handler's awaits, timers and callbacks. Runs inside the worker.

import { AsyncLocalStorage } from 'node:async_hooks';
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { format } from 'node:util';
import type { LogLevel } from './worker-protocol.js';

export interface InvocationScope {
  requestId: string;
  /** Invocation.id */
  id: number;
}

export const invocationScope = new AsyncLocalStorage<InvocationScope>();

/** `scope` is undefined for output written outside any invocation. */
export type LogSink = (scope: InvocationScope | undefined, level: LogLevel, message: string) => void;

function stripNewline(text: string): string {
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

function captureStream(level: LogLevel, sink: LogSink): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      sink(invocationScope.getStore(), level, stripNewline(String(chunk)));
      done();
    },
  });
}

type WriteCallback = (error?: Error | null) => void;

/** Replaces console methods and process.stdout/stderr writes of this thread with the sink. */
export function installConsoleCapture(sink: LogSink): void {
  const emit = (level: LogLevel) => (...args: unknown[]) => sink(invocationScope.getStore(), level, format(...args));
  // Methods other than the five levels (table, dir, trace, group…) keep Node's formatting.
  const fallback = new Console({ stdout: captureStream('log', sink), stderr: captureStream('error', sink) });
  for (const name of Object.keys(fallback) as Array<keyof Console>) {
    const method = fallback[name];
    if (typeof method === 'function') (console as unknown as Record<string, unknown>)[name] = (method as (...a: unknown[]) => unknown).bind(fallback);
  }
  console.log = emit('log');
  console.info = emit('info');
  console.warn = emit('warn');
  console.error = emit('error');
  console.debug = emit('debug');

  const patchWrite = (stream: NodeJS.WriteStream, level: LogLevel) => {
    stream.write = ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
      sink(invocationScope.getStore(), level, stripNewline(text));
      const done = (typeof encoding === 'function' ? encoding : callback) as WriteCallback | undefined;
      if (done) queueMicrotask(() => done(null));
      return true;
    }) as typeof stream.write;
  };
  patchWrite(process.stdout, 'log');
  patchWrite(process.stderr, 'error');
}
