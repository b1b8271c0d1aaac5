// Warm workers for one function version on one stage.
//
// Model: worker threads, each running many invocations at once (up to `invocationsPerWorker`), new
// threads only when every thread is that busy (up to `maxWorkers`). Why:
// - a hello handler is bounded by crossing threads, not by the handler: one warm thread fed batches
//   (while the gateway is busy; single invocations at once while it has time to spare, see
//   dispatch-pacing.ts) serves it at close to raw-Node speed, where a process per invocation or an IPC
//   pipe cannot;
// - a handler awaiting 20 ms at 50 connections needs 50 invocations in flight: concurrency inside a
//   thread gives that with one isolate (~10-20 MB) instead of 50;
// - threads (not child processes) because a thread costs a fraction of a process in memory and start-up,
//   `resourceLimits` caps its heap, `process.exit` in a thread ends only that thread, and `terminate()`
//   stops even an infinite loop. What a thread cannot contain: native crashes and external (Buffer)
//   memory outside the heap limit; the control plane supervises the gateway process for those.
// The cost of sharing: invocations sharing a thread share its fate (a crash, an infinite loop or a memory
// blow-up fails them too) and its module-level state, unlike Lambda's one invocation per instance.

import type { VersionTarget, FunctionDeployment } from './route-table.js';
import type { DispatchPacing } from './dispatch-pacing.js';
import { FunctionWorker, type InvocationOutcome } from './function-worker.js';
import type { ErrorInfo, Invocation, LogLine, TableOperation, WorkerSpec } from './worker-protocol.js';

const INIT_FAILURE_BACKOFF_MS = 1000;

export interface WorkerPoolOptions {
  workerUrl: URL;
  /** file: URL of the bundle, or the reason there is none. */
  module: { url: string } | { error: ErrorInfo };
  env: { vars: Record<string, string> } | { error: ErrorInfo };
  invocationsPerWorker: number;
  maxWorkers: number;
  pacing: DispatchPacing;
  onLog(line: LogLine, open: boolean): void;
  onTableCall(operation: TableOperation): Promise<unknown>;
}

export class WorkerPool {
  private readonly workers: FunctionWorker[] = [];
  private retired = false;
  /** A bundle that failed to initialise fails calls at once for a second instead of starting a worker per call. */
  private initFailure: { error: ErrorInfo; at: number } | undefined;
  private readonly idleWaiters: Array<() => void> = [];
  /** When the pool last received work (epoch ms); a pool outside the routing is dropped after idling. */
  lastUsed = Date.now();

  constructor(
    readonly deployment: FunctionDeployment,
    readonly target: VersionTarget,
    private readonly options: WorkerPoolOptions,
  ) {}

  /** The pool was built without a bundle or environment (a later reload may replace it). */
  get broken(): boolean {
    return 'error' in this.options.module || 'error' in this.options.env;
  }

  get workerCount(): number {
    return this.workers.length;
  }

  get inFlight(): number {
    let total = 0;
    for (const worker of this.workers) total += worker.load;
    return total;
  }

  dispatch(invocation: Invocation, done: (outcome: InvocationOutcome) => void): void {
    this.lastUsed = Date.now();
    const worker = this.chooseWorker();
    if ('error' in worker) {
      done({ kind: 'crashed', error: worker.error });
      return;
    }
    worker.dispatch(invocation, (outcome) => {
      done(outcome);
      if (this.retired && this.inFlight === 0) this.drained();
    });
  }

  /**
   * Starts a worker (loading the handler) when the pool has none, and resolves when it is ready: a version
   * about to receive traffic answers its first calls warm, so a canary is not judged on its cold start.
   */
  async prewarm(): Promise<void> {
    this.lastUsed = Date.now();
    const ready = this.workers.find((worker) => worker.accepting);
    if (ready !== undefined) return ready.started;
    const spawned = this.spawn();
    if ('error' in spawned) return;
    await spawned.started;
  }

  /** The pool left the routing table: its workers stop once idle. Work that still arrives is served. */
  retire(): Promise<void> {
    this.retired = true;
    const drained = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    if (this.inFlight === 0) this.drained();
    return drained;
  }

  /**
   * The version came back into the routing while the pool was draining: keep it, with whatever warm
   * workers it still has. A later retire() resolves the earlier waiters too.
   */
  revive(): void {
    this.retired = false;
  }

  /** Terminates idle workers not used since `before` (epoch ms). */
  reapIdle(before: number): void {
    for (const worker of [...this.workers]) {
      if (worker.load === 0 && worker.lastActive < before) void worker.terminate();
    }
  }

  async stop(): Promise<void> {
    this.retired = true;
    await Promise.all(this.workers.map((worker) => worker.terminate()));
    this.drained();
  }

  private drained(): void {
    for (const worker of [...this.workers]) void worker.terminate();
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private chooseWorker(): FunctionWorker | { error: ErrorInfo } {
    if (this.initFailure !== undefined && Date.now() - this.initFailure.at < INIT_FAILURE_BACKOFF_MS) return { error: this.initFailure.error };
    let best: FunctionWorker | undefined;
    for (const worker of this.workers) {
      if (worker.accepting && (best === undefined || worker.load < best.load)) best = worker;
    }
    if (best !== undefined && (best.load < this.options.invocationsPerWorker || this.workers.length >= this.options.maxWorkers)) return best;
    return this.spawn() ?? best!;
  }

  private spawn(): FunctionWorker | { error: ErrorInfo } {
    const { module, env } = this.options;
    if ('error' in module) return { error: module.error };
    if ('error' in env) return { error: env.error };
    const { deployment, target } = this;
    const version = target.version;
    const functionName = `${deployment.app}-${deployment.stage}-${deployment.service}-${deployment.function}`;
    const spec: WorkerSpec = {
      moduleUrl: module.url,
      handlerExport: version.config.handlerExport,
      app: deployment.app,
      stage: deployment.stage,
      service: deployment.service,
      function: deployment.function,
      functionName,
      functionVersion: String(version.number),
      invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}:live`,
      memoryLimitInMB: version.config.memory,
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[${version.number}]${version.id.slice(0, 32)}`,
    };
    const worker = new FunctionWorker({
      workerUrl: this.options.workerUrl,
      spec,
      env: env.vars,
      memoryMb: version.config.memory,
      timeoutMs: version.config.timeout * 1000,
      pacing: this.options.pacing,
      onLog: this.options.onLog,
      onTableCall: this.options.onTableCall,
      onInitFailed: (error) => {
        this.initFailure = { error, at: Date.now() };
      },
      onExit: (gone) => {
        const index = this.workers.indexOf(gone);
        if (index !== -1) this.workers.splice(index, 1);
      },
    });
    this.workers.push(worker);
    return worker;
  }
}
