// The gateway's handle on one worker thread running one function version: sends invocations (at once, or
// batched per event-loop turn while the gateway is busy: see dispatch-pacing.ts), matches results to them,
// enforces deadlines, and turns every way a worker can die (process.exit, heap limit, init failure,
// termination) into outcomes for the invocations it held.
//
// Deadlines: all invocations of a worker share one timeout and are kept in dispatch order, so the oldest
// is always the next to expire and one timer per worker suffices (no timer per request).
// A timeout retires the worker: it gets no new work, siblings finish or reach their own deadlines, then it
// is terminated. A handler that loops forever therefore also times out the siblings sharing its thread.

import { Worker } from 'node:worker_threads';
import type { DispatchPacing } from './dispatch-pacing.js';
import { fromWorkerWire, toHostWire, type ErrorInfo, type HostMessage, type HostWireMessage, type Invocation, type LogLine, type TableOperation, type WorkerOutcome, type WorkerSpec, type WorkerWireMessage } from './worker-protocol.js';

/** Outcomes the host adds to what a worker reports. */
export type InvocationOutcome =
  | WorkerOutcome
  | { kind: 'timeout'; timeoutMs: number }
  /** The worker died or never started; its invocations fail. */
  | { kind: 'crashed'; error: ErrorInfo };

export type WorkerState = 'starting' | 'ready' | 'retiring' | 'dead';

export interface FunctionWorkerOptions {
  workerUrl: URL;
  spec: WorkerSpec;
  env: Record<string, string>;
  memoryMb: number;
  timeoutMs: number;
  pacing: DispatchPacing;
  /** `open`: the line was written by an invocation this worker still holds (not one that timed out or a stray callback). */
  onLog(line: LogLine, open: boolean): void;
  onTableCall(operation: TableOperation): Promise<unknown>;
  onInitFailed(error: ErrorInfo): void;
  /** Called once when the worker is gone (any reason). */
  onExit(worker: FunctionWorker): void;
}

interface Pending {
  deadline: number;
  requestId: string;
  done(outcome: InvocationOutcome): void;
}

let nextWorkerId = 1;

export class FunctionWorker {
  readonly id = nextWorkerId++;
  state: WorkerState = 'starting';
  lastActive = Date.now();
  private readonly thread: Worker;
  private readonly pending = new Map<number, Pending>();
  private outbox: HostWireMessage[] = [];
  private flushScheduled = false;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private deathCause: ErrorInfo | undefined;
  /** Child processes started by handlers and still running. */
  private readonly children = new Set<number>();
  private readonly exited: Promise<void>;
  private markStarted!: () => void;
  /** Resolves once the handler module is loaded (or the worker could not start: it then fails its calls). */
  readonly started: Promise<void> = new Promise((resolve) => (this.markStarted = resolve));

  constructor(private readonly options: FunctionWorkerOptions) {
    this.thread = new Worker(options.workerUrl, {
      workerData: options.spec,
      env: options.env,
      resourceLimits: { maxOldGenerationSizeMb: Math.max(16, options.memoryMb) },
      stdout: false,
      stderr: false,
    });
    this.thread.on('message', (messages: WorkerWireMessage[]) => this.receive(messages));
    this.thread.on('error', (error: Error & { code?: string }) => {
      this.deathCause ??=
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? { type: 'Runtime.OutOfMemory', message: `The function ran out of memory (limit ${options.memoryMb} MB); its worker was stopped.` }
          : { type: 'Runtime.WorkerError', message: `The function's worker failed: ${error.message}` };
    });
    this.exited = new Promise((resolve) => {
      this.thread.once('exit', (code) => {
        this.markStarted();
        this.onThreadExit(code);
        resolve();
      });
    });
  }

  /** Invocations in flight. */
  get load(): number {
    return this.pending.size;
  }

  get accepting(): boolean {
    return this.state === 'starting' || this.state === 'ready';
  }

  dispatch(invocation: Invocation, done: (outcome: InvocationOutcome) => void): void {
    this.pending.set(invocation.id, { deadline: invocation.deadline, requestId: invocation.requestId, done });
    this.lastActive = Date.now();
    if (this.deadlineTimer === undefined) this.armDeadline();
    this.send({ type: 'invoke', invocation });
  }

  /** No new work; terminated once the invocations it holds are over. */
  retire(): void {
    if (!this.accepting) return;
    this.state = 'retiring';
    if (this.pending.size === 0) void this.terminate();
  }

  async terminate(cause?: ErrorInfo): Promise<void> {
    if (this.state !== 'dead') {
      this.deathCause ??= cause;
      this.state = 'dead';
      void this.thread.terminate();
    }
    await this.exited;
  }

  private send(message: HostMessage): void {
    this.outbox.push(toHostWire(message));
    if (this.flushScheduled) return;
    if (!this.options.pacing.batching()) return this.flush();
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.outbox;
    this.outbox = [];
    if (this.state !== 'dead') this.thread.postMessage(batch);
  }

  private receive(messages: WorkerWireMessage[]): void {
    for (const wire of messages) {
      const message = fromWorkerWire(wire);
      switch (message.type) {
        case 'result': {
          const pending = this.pending.get(message.id);
          if (pending === undefined) break; // already timed out
          this.pending.delete(message.id);
          pending.done(message.outcome);
          break;
        }
        case 'log':
          this.options.onLog(message.line, message.line.invocation !== undefined && this.pending.has(message.line.invocation));
          break;
        case 'table-call':
          this.options.onTableCall(message.operation).then(
            (value) => this.send({ type: 'table-result', callId: message.callId, ok: true, value }),
            (error: Error) => this.send({ type: 'table-result', callId: message.callId, ok: false, error: { type: error.name || 'Error', message: error.message } }),
          );
          break;
        case 'ready':
          if (this.state === 'starting') this.state = 'ready';
          this.markStarted();
          break;
        case 'init-failed':
          this.options.onInitFailed(message.error);
          void this.terminate(message.error);
          break;
        case 'fault':
          this.retire();
          break;
        case 'child-process':
          if (message.running) this.children.add(message.pid);
          else this.children.delete(message.pid);
          break;
      }
    }
    this.afterSettle();
  }

  // The deadline timer stays armed when the worker falls idle: it then fires once for nothing, where
  // clearing and re-arming it would cost a timer per batch on a busy worker.
  private afterSettle(): void {
    if (this.pending.size === 0 && this.state === 'retiring') void this.terminate();
  }

  private armDeadline(): void {
    const oldest = this.pending.values().next().value;
    if (oldest === undefined) {
      this.deadlineTimer = undefined;
      return;
    }
    this.deadlineTimer = setTimeout(() => this.expire(), Math.max(0, oldest.deadline - Date.now()) + 1);
  }

  private expire(): void {
    const now = Date.now();
    let expired = false;
    for (const [id, pending] of this.pending) {
      if (pending.deadline > now) break;
      this.pending.delete(id);
      expired = true;
      pending.done({ kind: 'timeout', timeoutMs: this.options.timeoutMs });
    }
    if (expired) this.retire();
    this.armDeadline();
    this.afterSettle();
  }

  private onThreadExit(code: number): void {
    const wasTerminatedByUs = this.state === 'dead';
    this.state = 'dead';
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    const cause =
      this.deathCause ??
      (wasTerminatedByUs
        ? { type: 'Runtime.Stopped', message: 'The function worker was stopped.' }
        : { type: 'Runtime.ExitError', message: `The function's worker exited with code ${code} (process.exit) before answering.` });
    for (const pid of this.children) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.children.clear();
    for (const pending of this.pending.values()) pending.done({ kind: 'crashed', error: cause });
    this.pending.clear();
    this.options.onExit(this);
  }
}
