// An in-memory RuntimeStore for tests of the runtime (and of anything that drives a gateway without a
// database), with helpers to publish functions, a way to wait for what the gateway writes (logs, metrics,
// table items, failed calls) without sleeping, and an outage switch that makes every call fail as a
// restarting database would.

import { createHash } from 'node:crypto';
import type { FunctionEvent } from '../../manifest/types.js';
import type {
  AliasRules, AliasTarget, FunctionConfig, LogEntry, MetricSample, NotificationChannel, RoutedService, RoutingSnapshot, ScheduleTickClaim, TableItem, TableRecord,
  TokenRecord, VersionRecord,
} from '../../store/types.js';
import type { RuntimeStore } from '../runtime-store.js';

export interface PublishFunction {
  app: string;
  stage: string;
  service: string;
  function: string;
  /** ESM source of the bundle. */
  code: string;
  config?: Partial<FunctionConfig>;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function functionConfig(overrides: Partial<FunctionConfig> = {}): FunctionConfig {
  return {
    runtime: 'node20',
    handler: 'handler.handler',
    handlerExport: 'handler',
    timeout: 6,
    memory: 256,
    concurrency: 100,
    environment: {},
    secretEnvironment: {},
    events: [] as FunctionEvent[],
    ...overrides,
  };
}

export class MemoryRuntimeStore implements RuntimeStore {
  readonly artifacts = new Map<string, Buffer>();
  readonly versions = new Map<string, VersionRecord>();
  readonly logs: LogEntry[] = [];
  readonly metrics: MetricSample[] = [];
  readonly tables = new Map<string, { record: TableRecord; items: Map<string, unknown> }>();
  /** Calls of appendLogs and addMetrics, to check that writes are batched. */
  readonly writes = { appendLogs: 0, addMetrics: 0 };
  /** Calls refused during an outage, per method. */
  readonly failedCalls: Record<string, number> = {};
  private readonly aliases = new Map<string, { app: string; stage: string; service: string; function: string; targets: AliasTarget[]; rules: AliasRules }>();
  /** `{app}/{stage}` of protected previews (routed services carry `protected`; takes effect at the next reload). */
  readonly protectedStages = new Set<string>();
  /** API tokens by the sha256 (hex) of the token, as findTokenByHash looks them up. */
  readonly tokens = new Map<string, TokenRecord>();
  /** Scheduled runs claimed, in claim order (only the winning claim of each run). */
  readonly scheduleClaims: ScheduleTickClaim[] = [];
  private generation = 0;
  private readonly notificationListeners = new Map<NotificationChannel, Set<() => void>>();
  private unavailable = false;
  private readonly watchers = new Set<() => void>();

  /** Stores the bundle, creates the version and points `live` at it alone; returns the version. */
  publish(fn: PublishFunction): VersionRecord {
    const version = this.createVersion(fn);
    this.setLive(fn.app, fn.stage, fn.service, fn.function, [{ versionId: version.id, weight: 100 }]);
    return version;
  }

  createVersion(fn: PublishFunction): VersionRecord {
    const codeHash = sha256(fn.code);
    this.artifacts.set(codeHash, Buffer.from(fn.code));
    const config = functionConfig(fn.config);
    const id = sha256(`${codeHash}${JSON.stringify(config)}`);
    const existing = this.versions.get(id);
    if (existing) return existing;
    const number = [...this.versions.values()].filter((v) => v.app === fn.app && v.service === fn.service && v.function === fn.function).length + 1;
    const version: VersionRecord = { id, app: fn.app, service: fn.service, function: fn.function, number, codeHash, config, createdAt: Date.now() };
    this.versions.set(id, version);
    return version;
  }

  /** Sets the `live` alias targets and rules and bumps the routing generation. */
  setLive(app: string, stage: string, service: string, fn: string, targets: AliasTarget[], rules: AliasRules = {}): void {
    this.aliases.set(`${app}/${stage}/${service}/${fn}`, { app, stage, service, function: fn, targets, rules: structuredClone(rules) });
    this.generation++;
  }

  /** While unavailable, every RuntimeStore call rejects (and is counted in failedCalls). */
  setUnavailable(unavailable: boolean): void {
    this.unavailable = unavailable;
  }

  removeFunction(app: string, stage: string, service: string, fn: string): void {
    this.aliases.delete(`${app}/${stage}/${service}/${fn}`);
    this.generation++;
  }

  registerTable(record: TableRecord): void {
    this.tables.set(record.name, { record, items: new Map() });
  }

  /** Resolves with the first non-undefined value of check, re-evaluated after every write. */
  waitUntil<T>(check: () => T | undefined | false): Promise<T> {
    return new Promise((resolve) => {
      const evaluate = () => {
        const value = check();
        if (value === undefined || value === false) return false;
        this.watchers.delete(watcher);
        resolve(value);
        return true;
      };
      const watcher = () => void evaluate();
      if (!evaluate()) this.watchers.add(watcher);
    });
  }

  /** Calls the listeners of a channel, as a PostgreSQL NOTIFY would. */
  notify(channel: NotificationChannel): void {
    for (const listener of this.notificationListeners.get(channel) ?? []) listener();
  }

  private changed(): void {
    for (const watcher of [...this.watchers]) watcher();
  }

  private available(method: string): void {
    if (!this.unavailable) return;
    this.failedCalls[method] = (this.failedCalls[method] ?? 0) + 1;
    // Watchers run after the rejection is delivered, so a test waiting for N failures sees them handled.
    setImmediate(() => this.changed());
    throw new Error(`connect ECONNREFUSED 127.0.0.1:5432 (${method}: the test store is unavailable)`);
  }

  // RuntimeStore

  async loadRouting(): Promise<RoutingSnapshot> {
    this.available('loadRouting');
    const services = new Map<string, RoutedService>();
    for (const alias of this.aliases.values()) {
      const key = `${alias.app}/${alias.stage}/${alias.service}`;
      let service = services.get(key);
      if (service === undefined) {
        service = { app: alias.app, stage: alias.stage, service: alias.service, functions: [], protected: this.protectedStages.has(`${alias.app}/${alias.stage}`) };
        services.set(key, service);
      }
      service.functions.push({
        name: alias.function,
        targets: alias.targets.map((t) => {
          const version = this.versions.get(t.versionId);
          if (version === undefined) throw new Error(`unknown version ${t.versionId}`);
          return { weight: t.weight, version: structuredClone(version) };
        }),
        rules: structuredClone(alias.rules),
      });
    }
    return { generation: this.generation, services: [...services.values()] };
  }

  async getRoutingGeneration(): Promise<number> {
    this.available('getRoutingGeneration');
    return this.generation;
  }

  async getVersion(id: string): Promise<VersionRecord | undefined> {
    this.available('getVersion');
    const version = this.versions.get(id);
    return version === undefined ? undefined : structuredClone(version);
  }

  async getArtifact(hash: string): Promise<Buffer | undefined> {
    this.available('getArtifact');
    return this.artifacts.get(hash);
  }

  async appendLogs(entries: LogEntry[]): Promise<void> {
    this.available('appendLogs');
    this.writes.appendLogs++;
    this.logs.push(...entries);
    this.changed();
  }

  async addMetrics(samples: MetricSample[]): Promise<void> {
    this.available('addMetrics');
    this.writes.addMetrics++;
    this.metrics.push(...samples.map((s) => structuredClone(s)));
    this.changed();
  }

  async getTable(name: string): Promise<TableRecord | undefined> {
    this.available('getTable');
    return this.tables.get(name)?.record;
  }

  async tableGet(table: string, key: string): Promise<unknown | undefined> {
    this.available('tableGet');
    return structuredClone(this.tableOf(table).items.get(key));
  }

  async tablePut(table: string, key: string, value: unknown): Promise<void> {
    this.available('tablePut');
    this.tableOf(table).items.set(key, structuredClone(value));
    this.changed();
  }

  async tableDelete(table: string, key: string): Promise<boolean> {
    this.available('tableDelete');
    const deleted = this.tableOf(table).items.delete(key);
    this.changed();
    return deleted;
  }

  async tableQuery(table: string, prefix: string, limit?: number): Promise<TableItem[]> {
    this.available('tableQuery');
    const items = [...this.tableOf(table).items.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => ({ key, value: structuredClone(value) }));
    return limit === undefined ? items : items.slice(0, limit);
  }

  async claimScheduleTick(tick: ScheduleTickClaim): Promise<boolean> {
    this.available('claimScheduleTick');
    const key = JSON.stringify([tick.app, tick.stage, tick.service, tick.function, tick.schedule, tick.scheduledAt]);
    if (this.scheduleClaims.some((c) => JSON.stringify([c.app, c.stage, c.service, c.function, c.schedule, c.scheduledAt]) === key)) return false;
    this.scheduleClaims.push({ ...tick });
    this.changed();
    return true;
  }

  async findTokenByHash(tokenHash: string): Promise<TokenRecord | undefined> {
    this.available('findTokenByHash');
    const token = this.tokens.get(tokenHash);
    return token === undefined ? undefined : structuredClone(token);
  }

  async onNotification(channel: NotificationChannel, listener: () => void): Promise<() => Promise<void>> {
    let listeners = this.notificationListeners.get(channel);
    if (!listeners) this.notificationListeners.set(channel, (listeners = new Set()));
    listeners.add(listener);
    return async () => {
      listeners.delete(listener);
    };
  }

  private tableOf(name: string) {
    const table = this.tables.get(name);
    if (table === undefined) throw new Error(`no table ${name}`);
    return table;
  }
}
