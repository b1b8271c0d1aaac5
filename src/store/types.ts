// The store port: every durable fact of Sluice goes through this interface. One implementation (Kysely)
// runs on SQLite (embedded default) and PostgreSQL; the contract suite runs against both.
// Times are epoch milliseconds. JSON columns are parsed into the shapes below by the implementation. The
// records the API returns as they are stand apart in record-types.ts, which the web dashboard imports too.

import type { FunctionEvent } from '../manifest/types.js';
import type { LeaseRef, WorkLeases } from './lease-types.js';
import type { PipelineStore } from './pipeline-types.js';
import type {
  DeploymentRecord,
  DeploymentStatus,
  EventRecord,
  MetricSample,
  RolloutRecord,
  RolloutStatus,
  StageApproval,
  StageKind,
  StageRecord,
  TokenRecord,
  TokenRole,
} from './record-types.js';

export type * from './lease-types.js';
export type * from './pipeline-types.js';
export type * from './record-types.js';

export interface ServiceInstanceRecord {
  app: string;
  stage: string;
  service: string;
  /** Public base URL of the service on the gateway. */
  url: string;
  deploymentId: string;
  deployedAt: number;
}

/** Resolved configuration of one function version; part of what its hash covers. */
export interface FunctionConfig {
  runtime: string;
  handler: string;
  handlerExport: string;
  timeout: number;
  memory: number;
  concurrency: number;
  /** Plain environment values. */
  environment: Record<string, string>;
  /** Environment values holding secrets, encrypted with the master key (see src/secrets). */
  secretEnvironment: Record<string, string>;
  events: FunctionEvent[];
}

export interface VersionRecord {
  /** Content address: sha256 over the code hash and the resolved config (hex, 64 chars). */
  id: string;
  app: string;
  service: string;
  function: string;
  /** 1, 2, 3… per app/service/function, in publication order. */
  number: number;
  /** sha256 of the bundle; the artifact key. */
  codeHash: string;
  config: FunctionConfig;
  createdAt: number;
}

export interface NewVersion {
  id: string;
  app: string;
  service: string;
  function: string;
  codeHash: string;
  config: FunctionConfig;
}

export interface AliasTarget {
  versionId: string;
  /** 0..100; the weights of an alias add up to 100. */
  weight: number;
}

/** How the gateway picks among an alias's targets beyond plain weights. */
export interface AliasRules {
  /** Same key → same version for the whole rollout: the key is a request header or cookie value. */
  sticky?: { source: 'header' | 'cookie'; name: string };
  /**
   * Requests whose header equals value go to versionId whatever the weights (A/B, and pinned calls from
   * pre-traffic hooks). Header names are compared case-insensitively; the first matching rule wins.
   */
  match?: Array<{ header: string; value: string; versionId: string }>;
}

export interface AliasRecord {
  app: string;
  stage: string;
  service: string;
  function: string;
  name: string;
  targets: AliasTarget[];
  rules: AliasRules;
  updatedAt: number;
}

export interface NewDeployment {
  id: string;
  app: string;
  stage: string;
  service: string;
  strategy: string;
  actor: string;
  commitSha?: string | null;
}

export interface TableRecord {
  name: string;
  app: string;
  stage: string;
  service: string;
  logical: string;
  keyField: string;
}

export interface TableItem {
  key: string;
  value: unknown;
}

/** A value sealed with the master key: a profile's secret, a secretEnvironment value of a version, a repository's webhook secret. */
export type SealedValue =
  | { kind: 'secret'; profile: string; name: string; ciphertext: string }
  | { kind: 'version'; versionId: string; name: string; ciphertext: string }
  | { kind: 'webhook'; repoId: string; ciphertext: string };

export type LogLevel = 'log' | 'info' | 'warn' | 'error' | 'debug' | 'system';

export interface LogEntry {
  ts: number;
  app: string;
  stage: string;
  service: string;
  function: string;
  versionId: string;
  requestId: string;
  level: LogLevel;
  message: string;
}

export interface StoredLogEntry extends LogEntry {
  id: number;
}

export interface LogQuery {
  app: string;
  stage: string;
  service?: string;
  function?: string;
  /** Only entries with id greater than this (for --tail). */
  afterId?: number;
  sinceTs?: number;
  /** Newest `limit` entries, returned oldest first. Default 100. */
  limit?: number;
}

/** Number of duration histogram buckets; bucket i counts durations below DURATION_BUCKETS_MS[i]. */
export const DURATION_BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 300, 500, 750, 1000, 2000, 5000, 10000, 30000, 60000, Infinity] as const;

export interface MetricQuery {
  app: string;
  stage: string;
  service?: string;
  function?: string;
  versionId?: string;
  fromBucket?: number;
  toBucket?: number;
}

export type NewEvent = Omit<EventRecord, 'id' | 'ts'> & { ts?: number };

export interface EventQuery {
  afterId?: number;
  app?: string;
  stage?: string;
  /** Only events at or after this time (epoch ms). */
  sinceTs?: number;
  limit?: number;
}

export interface NewToken {
  id: string;
  name: string;
  /** sha256 of the token, hex. */
  tokenHash: string;
  role: TokenRole;
  profiles: string[] | null;
  createdBy: string;
  expiresAt: number | null;
}

/** What the gateway needs to serve: every service instance with its functions' live (and commit) targets. */
export interface RoutingSnapshot {
  generation: number;
  services: RoutedService[];
}

/** Aliases named `commit-<sha7>` pin a function to the version a commit deployed (a preview's commit URLs). */
export const COMMIT_ALIAS_PREFIX = 'commit-';

export interface RoutedService {
  app: string;
  stage: string;
  service: string;
  functions: RoutedFunction[];
  /** The stage is a preview with `previews.protect`: its URLs need a Sluice token. */
  protected: boolean;
  /** Functions of each commit alias, by sha7 (the alias name without its prefix); absent when there are none. */
  commits?: Record<string, RoutedFunction[]>;
}

export interface RoutedFunction {
  name: string;
  targets: Array<{ weight: number; version: VersionRecord }>;
  /** Rules of the `live` alias; match rules may name versions that have weight 0 (they are in `targets`). */
  rules: AliasRules;
}

export interface Store extends WorkLeases, PipelineStore {
  readonly dialect: 'sqlite' | 'postgres';
  close(): Promise<void>;
  /**
   * Runs fn in one database transaction; the store passed to fn writes inside it (a nested call reuses it).
   * Inside fn use only that store: on SQLite a call on the outer one waits for the connection fn holds (deadlock).
   */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;

  // Stages and the services deployed to them.
  /** Creates or updates a stage; `approval` is left as stored when not given ('none' for a new stage). */
  upsertStage(stage: { app: string; name: string; profile: string; kind: StageKind; approval?: StageApproval }): Promise<void>;
  getStage(app: string, name: string): Promise<StageRecord | undefined>;
  listStages(app?: string): Promise<StageRecord[]>;
  deleteStage(app: string, name: string): Promise<void>;
  upsertServiceInstance(instance: ServiceInstanceRecord): Promise<void>;
  listServiceInstances(app: string, stage: string): Promise<ServiceInstanceRecord[]>;
  deleteServiceInstances(app: string, stage: string, service?: string): Promise<void>;

  // Bundles, content-addressed.
  putArtifact(hash: string, content: Buffer): Promise<void>;
  getArtifact(hash: string): Promise<Buffer | undefined>;
  /** Deletes artifacts that no version references; returns how many. */
  deleteUnreferencedArtifacts(): Promise<number>;

  // Immutable function versions.
  getVersion(id: string): Promise<VersionRecord | undefined>;
  /** Inserts the version with the next number for its function; returns the existing one if id exists. */
  createVersion(version: NewVersion): Promise<VersionRecord>;
  listVersions(app: string, service: string, fn?: string): Promise<VersionRecord[]>;
  /**
   * Deletes versions of the app that no alias (of any stage, any name) targets and no remaining deployment's
   * changes name; returns their ids. Call it after deleting the removed stage's aliases and deployments.
   */
  deleteUnreferencedVersions(app: string): Promise<string[]>;

  // Aliases (`live`) with weighted targets.
  /** Replaces the alias's targets and rules (rules default to none). */
  setAlias(alias: Omit<AliasRecord, 'updatedAt' | 'rules'> & { rules?: AliasRules }): Promise<void>;
  listAliases(app: string, stage: string, service?: string): Promise<AliasRecord[]>;
  deleteAliases(app: string, stage: string, service?: string, fn?: string): Promise<void>;

  /** All routed service instances with the versions their `live` and commit aliases point at, and whether they are protected. */
  loadRouting(): Promise<RoutingSnapshot>;
  /** Increments and returns the routing generation; call after any alias or instance change. */
  bumpRoutingGeneration(): Promise<number>;
  getRoutingGeneration(): Promise<number>;

  // Outputs published by services.
  /** Replaces the service's outputs: keys not given are removed. */
  setOutputs(app: string, stage: string, service: string, outputs: Record<string, string>): Promise<void>;
  getOutput(app: string, stage: string, service: string, key: string): Promise<string | undefined>;
  listOutputs(app: string, stage: string): Promise<Array<{ service: string; key: string; value: string }>>;
  deleteOutputs(app: string, stage: string, service?: string): Promise<void>;

  // Params and secrets per profile (secret values are ciphertext here; src/secrets encrypts).
  setParam(profile: string, name: string, value: string): Promise<void>;
  listParams(profile: string): Promise<Record<string, string>>;
  /** The params of every profile, by profile then name (the dashboard's settings list profiles with params only). */
  listAllParams(): Promise<Array<{ profile: string; name: string; value: string }>>;
  unsetParam(profile: string, name: string): Promise<boolean>;
  setSecret(profile: string, name: string, ciphertext: string): Promise<void>;
  getSecret(profile: string, name: string): Promise<string | undefined>;
  listSecrets(profile?: string): Promise<Array<{ profile: string; name: string; ciphertext: string; updatedAt: number }>>;
  unsetSecret(profile: string, name: string): Promise<boolean>;
  /** Every value sealed with the master key: secrets, and versions' secretEnvironment values (key rotation). */
  listSealedValues(): Promise<SealedValue[]>;
  /** Replaces those ciphertexts in place; nothing else changes (not updatedAt, not version ids). Unknown ones are ignored. */
  replaceSealedValues(values: SealedValue[]): Promise<void>;

  // Deployments.
  createDeployment(deployment: NewDeployment): Promise<DeploymentRecord>;
  finishDeployment(id: string, result: { status: Exclude<DeploymentStatus, 'running'>; message?: string | null; changes: DeploymentRecord['changes'] }): Promise<void>;
  getDeployment(id: string): Promise<DeploymentRecord | undefined>;
  /** Newest first; limit defaults to 100. */
  listDeployments(query: { app: string; stage?: string; service?: string; limit?: number }): Promise<DeploymentRecord[]>;
  deleteDeployments(app: string, stage: string): Promise<void>;

  // Keyed JSON tables.
  registerTable(table: TableRecord): Promise<void>;
  getTable(name: string): Promise<TableRecord | undefined>;
  listTables(app: string, stage: string): Promise<TableRecord[]>;
  /** Drops the tables of a stage with all their items; returns the names dropped. */
  dropTables(app: string, stage: string): Promise<string[]>;
  tableGet(table: string, key: string): Promise<unknown | undefined>;
  tablePut(table: string, key: string, value: unknown): Promise<void>;
  tableDelete(table: string, key: string): Promise<boolean>;
  /** Items whose key starts with prefix, in key (Unicode code-point) order; limit defaults to 100. */
  tableQuery(table: string, prefix: string, limit?: number): Promise<TableItem[]>;

  // Function logs and metrics.
  appendLogs(entries: LogEntry[]): Promise<void>;
  queryLogs(query: LogQuery): Promise<StoredLogEntry[]>;
  deleteLogs(app: string, stage: string): Promise<void>;
  /** Adds the samples to the stored buckets (same key: counters and histograms are summed). */
  addMetrics(samples: MetricSample[]): Promise<void>;
  /** Stored buckets in bucket order; fromBucket and toBucket are inclusive. */
  queryMetrics(query: MetricQuery): Promise<MetricSample[]>;
  deleteMetrics(app: string, stage: string): Promise<void>;

  // Rollouts.
  /**
   * Inserts a rollout with revision 1; refused (CONFLICT) when the service already has an active rollout.
   * With `lease`, the creator holds it from the start (token 1).
   */
  createRollout(rollout: Omit<RolloutRecord, 'revision' | 'createdAt' | 'updatedAt' | 'lease'>, lease?: { holder: string; now: number; ttlMs: number }): Promise<RolloutRecord>;
  /**
   * Saves a new state if the stored revision still equals `expectedRevision` and the rollout is still under
   * `lease` (or, without one, under nobody's); returns the saved record, or undefined when someone else saved
   * first or took the lease over (the caller reloads, and retries or lets go). A save that ends the rollout
   * (status not active) releases its lease.
   */
  saveRollout(id: string, expectedRevision: number, update: { status: RolloutStatus; state: Record<string, unknown>; wakeAt: number | null }, lease?: LeaseRef): Promise<RolloutRecord | undefined>;
  getRollout(id: string): Promise<RolloutRecord | undefined>;
  findActiveRollout(app: string, stage: string, service: string): Promise<RolloutRecord | undefined>;
  /** Every active rollout, for a control plane that (re)starts. */
  listActiveRollouts(): Promise<RolloutRecord[]>;
  listRollouts(query: { app: string; stage?: string; service?: string; limit?: number }): Promise<RolloutRecord[]>;
  deleteRollouts(app: string, stage: string): Promise<void>;
  /** Deployments still `running` (e.g. interrupted by a crash), across all apps. */
  listRunningDeployments(): Promise<DeploymentRecord[]>;

  // Event log: the audit timeline. Append-only: there is no update or delete, not even with a stage.
  appendEvent(event: NewEvent): Promise<EventRecord>;
  /** Oldest first. With afterId: the first `limit` after it (to follow); without: the newest `limit`. Default 100. */
  listEvents(query: EventQuery): Promise<EventRecord[]>;

  // API tokens (hashed).
  /** Stores a token; refused (CONFLICT) when a token that is not revoked has the same name. */
  createToken(token: NewToken): Promise<TokenRecord>;
  findTokenByHash(tokenHash: string): Promise<TokenRecord | undefined>;
  /** Every token ever created, revoked ones included, oldest first. */
  listTokens(): Promise<TokenRecord[]>;
  /** Revokes the live token with that name; undefined when there is none. */
  revokeToken(name: string, revokedBy: string): Promise<TokenRecord | undefined>;
  markTokenUsed(id: string, at: number): Promise<void>;
  /** Whether any token was ever created (revoked ones count: the control plane stays closed). */
  hasTokens(): Promise<boolean>;
}
