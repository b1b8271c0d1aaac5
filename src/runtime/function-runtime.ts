// The gateway's core without HTTP: the current routing generation, worker pools per routed version,
// per-function concurrency, and the bookkeeping of every invocation (metrics, system log lines).
// Reload reads the routing from the store, prepares the bundles, then swaps the route table in one
// assignment. Pools of versions that stay are kept warm (a weight change touches no worker); pools that
// left the routing drain and stop, and come back if their version returns while they drain. In-flight
// invocations keep the pool they started on. A store failure during reload leaves the previous table in
// place. Versions invoked directly by id outside the routing (hook functions) get their own pools, dropped
// once idle.

import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { SluiceError } from '../errors/index.js';
import { InvocationLogs } from './invocation-logs.js';
import { FilteredInvocationLogs, type LogFilter } from './log-filter.js';
import { invokeResult, outcomeLogLine, resultKind, type InvokeResult, type RuntimeOutcome } from './invocation-outcome.js';
import { MetricsRecorder, type InvocationResultKind } from './metrics-recorder.js';
import { functionKey, RouteTable, unroutedDeployment, type FunctionDeployment, type VersionTarget } from './route-table.js';
import type { RuntimeStore } from './runtime-store.js';
import { ArtifactCache, ArtifactMissingError } from './artifact-cache.js';
import type { DispatchPacing } from './dispatch-pacing.js';
import { selectTarget } from './traffic-router.js';
import { TableBridge } from './table-bridge.js';
import { functionEnvironment } from './function-environment.js';
import { WorkerPool } from './worker-pool.js';
import type { ErrorInfo, EventPayload, HttpRequestPayload } from './worker-protocol.js';

export type { InvokeResult, RuntimeOutcome } from './invocation-outcome.js';

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
  /**
   * Runs exactly this version (it must be a version of the named function). Without it, a version of the
   * `live` alias is picked by weight. The version need not be routed: hook functions are invoked this way.
   */
  versionId?: string;
  /** The event passed to the handler; `{}` when absent. */
  event?: unknown;
}

export interface WorkerSettings {
  /** Invocations a worker takes at once before another worker is started. Default 64. */
  invocationsPerWorker?: number;
  /** Workers per version and stage. Default 2. */
  maxWorkersPerVersion?: number;
  /** Idle workers are stopped after this long. Default 10 minutes. */
  idleMs?: number;
  /** When invocations travel to workers. Default: batched per event-loop turn while the loop is busy. */
  pacing?: DispatchPacing;
}

export interface FunctionRuntimeOptions {
  store: RuntimeStore;
  decryptSecret(ciphertext: string): string;
  cacheDir: string;
  workerUrl: URL;
  now: () => number;
  random: () => number;
  workers: Required<WorkerSettings>;
  /** Every log line of an invocation passes through it before it is buffered (secret masking). */
  logFilter?: LogFilter;
  /** Told of every invocation's end, like the metrics recorder (the gateway's Prometheus metrics). */
  onInvocation?: (target: VersionTarget, kind: InvocationResultKind, durationMs: number) => void;
}

interface ConcurrencyCounter {
  inFlight: number;
}

type PreparedModule = { url: string } | { error: ErrorInfo };

/** A version invoked by id outside the routing, with its pool. */
interface UnroutedVersion {
  deployment: FunctionDeployment;
  target: VersionTarget;
  pool: WorkerPool;
}

export class FunctionRuntime {
  table: RouteTable = new RouteTable({ generation: 0, services: [] });
  readonly logs: InvocationLogs;
  readonly metrics = new MetricsRecorder();
  private readonly lines: FilteredInvocationLogs;
  private readonly pools = new Map<string, WorkerPool>();
  private readonly retiring = new Map<string, WorkerPool>();
  private readonly unrouted = new Map<string, UnroutedVersion>();
  private readonly concurrency = new Map<string, ConcurrencyCounter>();
  private modules = new Map<string, PreparedModule>();
  private readonly artifacts: ArtifactCache;
  private readonly tables: TableBridge;
  private reloadChain: Promise<unknown> = Promise.resolve();
  private nextInvocationId = 1;
  private closed = false;

  constructor(private readonly options: FunctionRuntimeOptions) {
    this.logs = new InvocationLogs(options.now);
    this.lines = new FilteredInvocationLogs(this.logs, options.logFilter, options.now);
    this.artifacts = new ArtifactCache(options.store, options.cacheDir);
    this.tables = new TableBridge(options.store);
  }

  get workerCount(): number {
    let count = 0;
    for (const pool of this.pools.values()) count += pool.workerCount;
    for (const pool of this.retiring.values()) count += pool.workerCount;
    for (const { pool } of this.unrouted.values()) count += pool.workerCount;
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
    const modules = new Map<string, PreparedModule>();
    const hashes = new Set<string>();
    for (const target of next.routedTargets()) hashes.add(target.version.codeHash);
    // A store failure here rejects the reload (the previous table keeps serving); only a bundle the store
    // does not have makes a version fail its calls.
    await Promise.all([...hashes].map(async (hash) => modules.set(hash, await this.prepareModule(hash))));
    if (this.closed) return this.table.generation;

    // Routed: by the live aliases or by a commit's (a preview's commit URLs); both share a version's pool.
    const routed = next.poolKeys;
    this.modules = modules;
    this.table = next;
    this.tables.clear();
    for (const [key, pool] of this.pools) {
      // A pool built while its bundle or secrets were unavailable is rebuilt on the next request.
      if (routed.has(key) && !pool.broken) continue;
      this.pools.delete(key);
      this.retire(key, pool);
    }
    // A version entering the routing keeps the warm workers it already has: from a direct invoke by id,
    // or from a pool still draining because the version left the routing a moment ago.
    for (const key of routed) {
      if (this.pools.has(key)) continue;
      const unrouted = this.unrouted.get(key);
      if (unrouted !== undefined && !unrouted.pool.broken) {
        this.unrouted.delete(key);
        this.pools.set(key, unrouted.pool);
        continue;
      }
      const draining = this.retiring.get(key);
      if (draining === undefined || draining.broken) continue;
      this.retiring.delete(key);
      draining.revive();
      this.pools.set(key, draining);
    }
    for (const [key, counter] of this.concurrency) if (counter.inFlight === 0 && !next.functions.has(key)) this.concurrency.delete(key);
    return next.generation;
  }

  private async prepareModule(codeHash: string): Promise<PreparedModule> {
    try {
      return { url: await this.artifacts.moduleUrl(codeHash) };
    } catch (error) {
      if (error instanceof ArtifactMissingError) return { error: { type: 'Sluice.ArtifactUnavailable', message: error.message } };
      throw error;
    }
  }

  /** The version serving a request with these headers (undefined for events); undefined when none receives traffic. */
  route(deployment: FunctionDeployment, rawHeaders: readonly string[] | undefined): VersionTarget | undefined {
    return selectTarget(deployment.traffic, rawHeaders, this.options.random);
  }

  /** Runs one invocation of the function; `done` receives how it ended. */
  invoke(deployment: FunctionDeployment, target: VersionTarget, payload: HttpRequestPayload | EventPayload, done: (report: InvocationReport) => void): void {
    const config = target.version.config;
    const requestId = randomUUID();
    let counter = this.concurrency.get(deployment.key);
    if (counter === undefined) {
      counter = { inFlight: 0 };
      this.concurrency.set(deployment.key, counter);
    }
    if (counter.inFlight >= config.concurrency) {
      this.metrics.record(target.origin, 'throttle', 0, this.options.now());
      this.options.onInvocation?.(target, 'throttle', 0);
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
      const kind = resultKind(outcome);
      this.metrics.record(origin, kind, durationMs, this.options.now());
      this.options.onInvocation?.(target, kind, durationMs);
      const line = outcomeLogLine(outcome, config);
      if (line !== undefined) this.lines.add(origin, requestId, 'system', line, true);
      this.lines.end(requestId);
      done({ outcome, requestId, target, durationMs });
    });
  }

  /** Invokes a function with an event, as `aws lambda invoke` does: a live version by weight, or the version asked for. */
  async invokeDirect(request: InvokeRequest): Promise<InvokeResult> {
    const event = request.event === undefined ? {} : request.event;
    const deployment = this.table.functions.get(functionKey(request.app, request.stage, request.service, request.function));
    if (request.versionId === undefined) {
      const target = deployment === undefined ? undefined : this.route(deployment, undefined);
      if (deployment === undefined || target === undefined) {
        throw new SluiceError('FUNCTION_NOT_FOUND', `No live function ${request.function} in service ${request.service} of stage ${request.stage} (app ${request.app}).`);
      }
      return this.invokeEvent(deployment, target, event);
    }
    const routed = deployment?.targets.find((t) => t.version.id === request.versionId);
    if (deployment !== undefined && routed !== undefined) return this.invokeEvent(deployment, routed, event);
    const unrouted = await this.unroutedVersion(request, request.versionId);
    return this.invokeEvent(unrouted.deployment, unrouted.target, event);
  }

  /** Loads a routed version's handler in a worker before traffic reaches it; resolves once it is ready. */
  async warm(request: Omit<InvokeRequest, 'event' | 'versionId'> & { versionId: string }): Promise<boolean> {
    const deployment = this.table.functions.get(functionKey(request.app, request.stage, request.service, request.function));
    const target = deployment?.targets.find((t) => t.version.id === request.versionId);
    if (deployment === undefined || target === undefined) return false;
    await this.poolFor(deployment, target).prewarm();
    return true;
  }

  invokeEvent(deployment: FunctionDeployment, target: VersionTarget, event: unknown): Promise<InvokeResult> {
    return new Promise((resolve) => {
      this.invoke(deployment, target, { kind: 'event', event }, ({ outcome, requestId, durationMs }) => {
        resolve(invokeResult(outcome, requestId, deployment, target, durationMs));
      });
    });
  }

  /** Runs a table operation for a worker (the host side of `sluice/tables`). */
  tableOperation = (operation: Parameters<TableBridge['run']>[0]): Promise<unknown> => this.tables.run(operation);

  reapIdleWorkers(): void {
    const before = Date.now() - this.options.workers.idleMs;
    for (const pool of this.pools.values()) pool.reapIdle(before);
    for (const [key, unrouted] of this.unrouted) {
      if (unrouted.pool.inFlight === 0 && unrouted.pool.lastUsed < before) {
        this.unrouted.delete(key);
        void unrouted.pool.stop();
      } else {
        unrouted.pool.reapIdle(before);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.pools.values(), ...this.retiring.values(), ...[...this.unrouted.values()].map((u) => u.pool)];
    this.pools.clear();
    this.retiring.clear();
    this.unrouted.clear();
    await Promise.all(all.map((pool) => pool.stop()));
  }

  /** A version outside the routing, loaded from the store on first use and kept with its pool until idle. */
  private async unroutedVersion(request: InvokeRequest, versionId: string): Promise<UnroutedVersion> {
    const key = `${functionKey(request.app, request.stage, request.service, request.function)}@${versionId}`;
    const cached = this.unrouted.get(key);
    if (cached !== undefined && !cached.pool.broken) return cached;
    const version = await this.options.store.getVersion(versionId);
    if (version === undefined) {
      throw new SluiceError('FUNCTION_NOT_FOUND', `No version ${versionId} exists.`, { hint: 'Invoke a version id a deployment published; `sluice info --stage NAME` shows the live ones.' });
    }
    if (version.app !== request.app || version.service !== request.service || version.function !== request.function) {
      throw new SluiceError(
        'FUNCTION_NOT_FOUND',
        `Version ${versionId} belongs to function ${version.function} of service ${version.service} (app ${version.app}), not to ${request.function} of service ${request.service} (app ${request.app}).`,
        { hint: 'Name the function the version was published for.' },
      );
    }
    const module = await this.prepareModule(version.codeHash);
    if (this.closed) throw new SluiceError('GATEWAY_UNAVAILABLE', 'The gateway is stopping.');
    const raced = this.unrouted.get(key);
    if (raced !== undefined && !raced.pool.broken) return raced;
    if (raced !== undefined) void raced.pool.stop();
    const deployment = unroutedDeployment(request.app, request.stage, request.service, request.function, version);
    const target = deployment.targets[0];
    const unrouted = { deployment, target, pool: this.createPool(deployment, target, module) };
    this.unrouted.set(key, unrouted);
    return unrouted;
  }

  private createPool(deployment: FunctionDeployment, target: VersionTarget, module: PreparedModule): WorkerPool {
    return new WorkerPool(deployment, target, {
      workerUrl: this.options.workerUrl,
      module,
      env: this.environmentOf(deployment, target),
      invocationsPerWorker: this.options.workers.invocationsPerWorker,
      maxWorkers: this.options.workers.maxWorkersPerVersion,
      pacing: this.options.workers.pacing,
      onLog: (line, open) => this.lines.add(target.origin, line.requestId, line.level, line.message, open),
      onTableCall: this.tableOperation,
    });
  }

  private poolFor(deployment: FunctionDeployment, target: VersionTarget): WorkerPool {
    const existing = this.pools.get(target.poolKey) ?? this.unrouted.get(target.poolKey)?.pool ?? this.retiring.get(target.poolKey);
    if (existing !== undefined) return existing;
    const module = this.modules.get(target.version.codeHash) ?? { error: { type: 'Sluice.ArtifactUnavailable', message: `The bundle ${target.version.codeHash} was not prepared.` } };
    const pool = this.createPool(deployment, target, module);
    if (this.table.poolKeys.has(target.poolKey) && !this.closed) {
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
}
