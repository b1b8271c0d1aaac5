// The gateway's core without HTTP: the current routing generation, worker pools per live version,
// per-function concurrency, and the bookkeeping of every invocation (metrics, system log lines).
// Reload reads the routing from the store, prepares the bundles, then swaps the route table in one
// assignment; pools that left the routing drain and stop. In-flight invocations keep the pool they
// started on.

import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { SluiceError } from '../errors/index.js';
import type { FunctionConfig } from '../store/types.js';
import type { InvocationOutcome } from './function-worker.js';
import { InvocationLogs, type LogOrigin } from './invocation-logs.js';
import { MetricsRecorder, type InvocationResultKind } from './metrics-recorder.js';
import { pickTarget, RouteTable, type FunctionDeployment, type VersionTarget } from './route-table.js';
import type { RuntimeStore } from './runtime-store.js';
import { ArtifactCache } from './artifact-cache.js';
import { TableBridge } from './table-bridge.js';
import { functionEnvironment } from './function-environment.js';
import { WorkerPool } from './worker-pool.js';
import type { ErrorInfo, EventPayload, HttpRequestPayload } from './worker-protocol.js';

/** What the gateway reports for an invocation, including its own refusals. */
export type RuntimeOutcome = InvocationOutcome | { kind: 'throttled' };

export interface InvocationReport {
  outcome: RuntimeOutcome;
  requestId: string;
  target: VersionTarget;
  durationMs: number;
}

export interface InvokeRequest {
  app: string;
  stage: string;
  service: string;
  function: string;
  /** The event passed to the handler; `{}` when absent. */
  event?: unknown;
}

export interface InvokeResult {
  requestId: string;
  versionId: string;
  versionNumber: number;
  durationMs: number;
  /** The handler's result as JSON would carry it. */
  result?: unknown;
  error?: { type: string; message: string };
}

export interface WorkerSettings {
  /** Invocations a worker takes at once before another worker is started. Default 64. */
  invocationsPerWorker?: number;
  /** Workers per version and stage. Default 2. */
  maxWorkersPerVersion?: number;
  /** Idle workers are stopped after this long. Default 10 minutes. */
  idleMs?: number;
}

export interface FunctionRuntimeOptions {
  store: RuntimeStore;
  decryptSecret(ciphertext: string): string;
  cacheDir: string;
  workerUrl: URL;
  now: () => number;
  random: () => number;
  workers: Required<WorkerSettings>;
}

interface ConcurrencyCounter {
  inFlight: number;
}

function resultKind(outcome: RuntimeOutcome): InvocationResultKind {
  switch (outcome.kind) {
    case 'throttled':
      return 'throttle';
    case 'http-response':
    case 'result':
      return 'success';
    default:
      return 'error';
  }
}

export class FunctionRuntime {
  table: RouteTable = new RouteTable({ generation: 0, services: [] });
  readonly logs: InvocationLogs;
  readonly metrics = new MetricsRecorder();
  private readonly pools = new Map<string, WorkerPool>();
  private readonly retiring = new Map<string, WorkerPool>();
  private readonly concurrency = new Map<string, ConcurrencyCounter>();
  private modules = new Map<string, { url: string } | { error: ErrorInfo }>();
  private readonly artifacts: ArtifactCache;
  private readonly tables: TableBridge;
  private reloadChain: Promise<unknown> = Promise.resolve();
  private nextInvocationId = 1;
  private closed = false;

  constructor(private readonly options: FunctionRuntimeOptions) {
    this.logs = new InvocationLogs(options.now);
    this.artifacts = new ArtifactCache(options.store, options.cacheDir);
    this.tables = new TableBridge(options.store);
  }

  get workerCount(): number {
    let count = 0;
    for (const pool of this.pools.values()) count += pool.workerCount;
    for (const pool of this.retiring.values()) count += pool.workerCount;
    return count;
  }

  /** Reloads the routing; resolves with the generation once it is the one requests see. Reloads run in turn. */
  reload(): Promise<number> {
    const run = this.reloadChain.then(() => this.reloadNow());
    this.reloadChain = run.catch(() => undefined);
    return run;
  }

  private async reloadNow(): Promise<number> {
    const snapshot = await this.options.store.loadRouting();
    const next = new RouteTable(snapshot);
    const modules = new Map<string, { url: string } | { error: ErrorInfo }>();
    const hashes = new Set<string>();
    for (const deployment of next.functions.values()) for (const target of deployment.targets) hashes.add(target.version.codeHash);
    await Promise.all(
      [...hashes].map(async (hash) => {
        try {
          modules.set(hash, { url: await this.artifacts.moduleUrl(hash) });
        } catch (error) {
          modules.set(hash, { error: { type: 'Sluice.ArtifactUnavailable', message: (error as Error).message } });
        }
      }),
    );
    if (this.closed) return this.table.generation;

    const live = new Set<string>();
    for (const deployment of next.functions.values()) for (const target of deployment.targets) live.add(target.poolKey);
    this.modules = modules;
    this.table = next;
    this.tables.clear();
    for (const [key, pool] of this.pools) {
      // A pool built while its bundle or secrets were unavailable is rebuilt on the next request.
      if (live.has(key) && !pool.broken) continue;
      this.pools.delete(key);
      this.retire(key, pool);
    }
    for (const [key, counter] of this.concurrency) if (counter.inFlight === 0 && !next.functions.has(key)) this.concurrency.delete(key);
    return next.generation;
  }

  /** Runs one invocation of the function; `done` receives how it ended. */
  invoke(deployment: FunctionDeployment, payload: HttpRequestPayload | EventPayload, done: (report: InvocationReport) => void): void {
    const target = pickTarget(deployment, this.options.random);
    const config = target.version.config;
    const requestId = randomUUID();
    let counter = this.concurrency.get(deployment.key);
    if (counter === undefined) {
      counter = { inFlight: 0 };
      this.concurrency.set(deployment.key, counter);
    }
    if (counter.inFlight >= config.concurrency) {
      this.metrics.record(target.origin, 'throttle', 0, this.options.now());
      done({ outcome: { kind: 'throttled' }, requestId, target, durationMs: 0 });
      return;
    }
    counter.inFlight++;
    const pool = this.poolFor(deployment, target);
    const started = performance.now();
    const invocation = { id: this.nextInvocationId++, requestId, deadline: Date.now() + config.timeout * 1000, payload };
    const held = counter;
    pool.dispatch(invocation, (outcome) => {
      held.inFlight--;
      const durationMs = Math.round((performance.now() - started) * 100) / 100;
      const origin = target.origin;
      this.metrics.record(origin, resultKind(outcome), durationMs, this.options.now());
      this.logOutcome(origin, requestId, outcome, config);
      done({ outcome, requestId, target, durationMs });
    });
  }

  /** Invokes the live version with an event, as `aws lambda invoke` does. */
  invokeDirect(request: InvokeRequest): Promise<InvokeResult> {
    const deployment = this.table.functions.get(`${request.app}/${request.stage}/${request.service}/${request.function}`);
    if (deployment === undefined) {
      return Promise.reject(
        new SluiceError('FUNCTION_NOT_FOUND', `No live function ${request.function} in service ${request.service} of stage ${request.stage} (app ${request.app}).`),
      );
    }
    return this.invokeEvent(deployment, request.event === undefined ? {} : request.event);
  }

  invokeEvent(deployment: FunctionDeployment, event: unknown): Promise<InvokeResult> {
    return new Promise((resolve) => {
      this.invoke(deployment, { kind: 'event', event }, ({ outcome, requestId, target, durationMs }) => {
        const result: InvokeResult = { requestId, versionId: target.version.id, versionNumber: target.version.number, durationMs };
        switch (outcome.kind) {
          case 'result':
            result.result = JSON.parse(outcome.json);
            break;
          case 'handler-error':
          case 'crashed':
            result.error = { type: outcome.error.type, message: outcome.error.message };
            break;
          case 'timeout':
            result.error = { type: 'Sandbox.Timedout', message: timeoutMessage(outcome.timeoutMs) };
            break;
          case 'throttled':
            result.error = { type: 'TooManyRequestsException', message: `Rate exceeded: ${deployment.function} already runs ${target.version.config.concurrency} invocations (its concurrency).` };
            break;
          case 'malformed':
            result.error = { type: 'Runtime.InvalidResponse', message: outcome.message };
            break;
          case 'http-response':
            result.result = null;
            break;
        }
        resolve(result);
      });
    });
  }

  /** Runs a table operation for a worker (the host side of `sluice/tables`). */
  tableOperation = (operation: Parameters<TableBridge['run']>[0]): Promise<unknown> => this.tables.run(operation);

  reapIdleWorkers(): void {
    const before = Date.now() - this.options.workers.idleMs;
    for (const pool of this.pools.values()) pool.reapIdle(before);
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.pools.values(), ...this.retiring.values()];
    this.pools.clear();
    this.retiring.clear();
    await Promise.all(all.map((pool) => pool.stop()));
  }

  private poolFor(deployment: FunctionDeployment, target: VersionTarget): WorkerPool {
    const existing = this.pools.get(target.poolKey) ?? this.retiring.get(target.poolKey);
    if (existing !== undefined) return existing;
    const pool = new WorkerPool(deployment, target, {
      workerUrl: this.options.workerUrl,
      module: this.modules.get(target.version.codeHash) ?? { error: { type: 'Sluice.ArtifactUnavailable', message: `The bundle ${target.version.codeHash} was not prepared.` } },
      env: this.environmentOf(deployment, target),
      invocationsPerWorker: this.options.workers.invocationsPerWorker,
      maxWorkers: this.options.workers.maxWorkersPerVersion,
      onLog: (line) => this.logs.add(target.origin, line.requestId, line.level, line.message),
      onTableCall: this.tableOperation,
    });
    if (this.table.functions.get(deployment.key)?.targets.some((t) => t.poolKey === target.poolKey) && !this.closed) {
      this.pools.set(target.poolKey, pool);
    } else {
      // A request that started on a previous generation: serve it, then let the pool go.
      this.retire(target.poolKey, pool);
    }
    return pool;
  }

  private retire(key: string, pool: WorkerPool): void {
    this.retiring.set(key, pool);
    void pool.retire().then(() => {
      if (this.retiring.get(key) === pool) this.retiring.delete(key);
    });
  }

  private environmentOf(deployment: FunctionDeployment, target: VersionTarget): { vars: Record<string, string> } | { error: ErrorInfo } {
    const env = functionEnvironment(deployment, target.version, this.options.decryptSecret);
    if ('error' in env) this.logs.add(target.origin, '', 'system', env.error.message);
    return env;
  }

  private logOutcome(origin: LogOrigin, requestId: string, outcome: InvocationOutcome, config: FunctionConfig): void {
    switch (outcome.kind) {
      case 'timeout':
        this.logs.add(origin, requestId, 'system', timeoutMessage(config.timeout * 1000));
        break;
      case 'crashed':
        this.logs.add(origin, requestId, 'system', `${outcome.error.type}: ${outcome.error.message}`);
        break;
      case 'malformed':
        this.logs.add(origin, requestId, 'system', `Invalid response for API Gateway: ${outcome.message}`);
        break;
      default:
        break;
    }
  }
}

/** Lambda's own wording: `Task timed out after 6.00 seconds`. */
export function timeoutMessage(timeoutMs: number): string {
  return `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`;
}
