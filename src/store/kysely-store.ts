// The one implementation of the Store port, over Kysely, for SQLite and PostgreSQL alike. Each method hands
// its context (database or open transaction, dialect traits, clock) to the query module of its area.

import type { Kysely } from 'kysely';
import type { DialectTraits } from './dialect.js';
import type { Database } from './schema.js';
import type {
  AliasRecord, DeploymentRecord, DeploymentStatus, EventQuery, EventRecord, LogEntry, LogQuery, MetricQuery, MetricSample, NewDeployment,
  NewEvent, NewToken, NewVersion, RolloutRecord, RoutingSnapshot, ServiceInstanceRecord, StageApproval, StageKind, StageRecord, Store, StoredLogEntry,
  TableItem, TableRecord, TokenRecord, VersionRecord,
} from './types.js';
import type { StoreContext } from './store-context.js';
import * as stages from './stage-queries.js';
import * as versions from './version-queries.js';
import * as aliases from './alias-queries.js';
import * as config from './config-queries.js';
import * as tables from './table-queries.js';
import * as telemetry from './telemetry-queries.js';
import * as rollouts from './rollout-queries.js';
import * as sealed from './sealed-value-queries.js';
import type { SealedValue } from './types.js';
import * as tokens from './token-queries.js';
import * as leases from './rollout-lease-queries.js';
import { consumeInboxEntry, inboxEntryPending } from './lease-queries.js';
import type { InboxEntry, LeaseRef, NotificationChannel, RenewedLease, RolloutClaim, ScheduleTickClaim } from './lease-types.js';
import type { PgNotificationListener } from './pg-notifications.js';
import { claimScheduleTick } from './schedule-tick-queries.js';
import * as runs from './run-queries.js';
import * as pipelines from './pipeline-queries.js';
import type {
  BranchHeadRecord, NewRelease, NewRepository, NewRun, PipelineRunRecord, PreviewRecord, ReleaseRecord, RepositoryRecord, RunClaim, RunLogLine,
  RunQuery, RunUpdate,
} from './pipeline-types.js';

export class KyselyStore implements Store {
  readonly dialect: DialectTraits['name'];
  readonly #ctx: StoreContext;
  /** PostgreSQL's LISTEN client (pg-notifications.ts); none on SQLite. */
  readonly #notifications: PgNotificationListener | undefined;

  constructor(db: Kysely<Database>, traits: DialectTraits, now: () => number = Date.now, notifications?: PgNotificationListener) {
    this.dialect = traits.name;
    this.#ctx = { db, traits, now };
    this.#notifications = notifications;
  }

  /** Closes the pool or file; on a store bound to a transaction it does nothing (the owner closes). */
  async close(): Promise<void> {
    if (this.#ctx.db.isTransaction) return;
    await this.#notifications?.close();
    await this.#ctx.db.destroy();
  }

  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.#ctx.db.isTransaction) return fn(this);
    return this.#ctx.db.transaction().execute((trx) => fn(new KyselyStore(trx, this.#ctx.traits, this.#ctx.now, this.#notifications)));
  }

  upsertStage(stage: { app: string; name: string; profile: string; kind: StageKind; approval?: StageApproval }): Promise<void> { return stages.upsertStage(this.#ctx, stage); }
  getStage(app: string, name: string): Promise<StageRecord | undefined> { return stages.getStage(this.#ctx, app, name); }
  listStages(app?: string): Promise<StageRecord[]> { return stages.listStages(this.#ctx, app); }
  deleteStage(app: string, name: string): Promise<void> { return stages.deleteStage(this.#ctx, app, name); }
  upsertServiceInstance(instance: ServiceInstanceRecord): Promise<void> { return stages.upsertServiceInstance(this.#ctx, instance); }
  listServiceInstances(app: string, stage: string): Promise<ServiceInstanceRecord[]> { return stages.listServiceInstances(this.#ctx, app, stage); }
  deleteServiceInstances(app: string, stage: string, service?: string): Promise<void> { return stages.deleteServiceInstances(this.#ctx, app, stage, service); }

  putArtifact(hash: string, content: Buffer): Promise<void> { return versions.putArtifact(this.#ctx, hash, content); }
  getArtifact(hash: string): Promise<Buffer | undefined> { return versions.getArtifact(this.#ctx, hash); }
  deleteUnreferencedArtifacts(): Promise<number> { return versions.deleteUnreferencedArtifacts(this.#ctx); }

  getVersion(id: string): Promise<VersionRecord | undefined> { return versions.getVersion(this.#ctx, id); }
  createVersion(version: NewVersion): Promise<VersionRecord> { return versions.createVersion(this.#ctx, version); }
  listVersions(app: string, service: string, fn?: string): Promise<VersionRecord[]> { return versions.listVersions(this.#ctx, app, service, fn); }
  deleteUnreferencedVersions(app: string): Promise<string[]> { return versions.deleteUnreferencedVersions(this.#ctx, app); }

  setAlias(alias: aliases.AliasInput): Promise<void> { return aliases.setAlias(this.#ctx, alias); }
  listAliases(app: string, stage: string, service?: string): Promise<AliasRecord[]> { return aliases.listAliases(this.#ctx, app, stage, service); }
  deleteAliases(app: string, stage: string, service?: string, fn?: string): Promise<void> { return aliases.deleteAliases(this.#ctx, app, stage, service, fn); }

  loadRouting(): Promise<RoutingSnapshot> { return aliases.loadRouting(this.#ctx); }
  bumpRoutingGeneration(): Promise<number> { return aliases.bumpRoutingGeneration(this.#ctx); }
  getRoutingGeneration(): Promise<number> { return aliases.getRoutingGeneration(this.#ctx); }

  setOutputs(app: string, stage: string, service: string, outputs: Record<string, string>): Promise<void> { return config.setOutputs(this.#ctx, app, stage, service, outputs); }
  getOutput(app: string, stage: string, service: string, key: string): Promise<string | undefined> { return config.getOutput(this.#ctx, app, stage, service, key); }
  listOutputs(app: string, stage: string): Promise<Array<{ service: string; key: string; value: string }>> { return config.listOutputs(this.#ctx, app, stage); }
  deleteOutputs(app: string, stage: string, service?: string): Promise<void> { return config.deleteOutputs(this.#ctx, app, stage, service); }

  setParam(profile: string, name: string, value: string): Promise<void> { return config.setParam(this.#ctx, profile, name, value); }
  listParams(profile: string): Promise<Record<string, string>> { return config.listParams(this.#ctx, profile); }
  listAllParams(): Promise<Array<{ profile: string; name: string; value: string }>> { return config.listAllParams(this.#ctx); }
  unsetParam(profile: string, name: string): Promise<boolean> { return config.unsetParam(this.#ctx, profile, name); }
  setSecret(profile: string, name: string, ciphertext: string): Promise<void> { return config.setSecret(this.#ctx, profile, name, ciphertext); }
  getSecret(profile: string, name: string): Promise<string | undefined> { return config.getSecret(this.#ctx, profile, name); }
  listSecrets(profile?: string): Promise<Array<{ profile: string; name: string; ciphertext: string; updatedAt: number }>> { return config.listSecrets(this.#ctx, profile); }
  unsetSecret(profile: string, name: string): Promise<boolean> { return config.unsetSecret(this.#ctx, profile, name); }
  listSealedValues(): Promise<SealedValue[]> { return sealed.listSealedValues(this.#ctx); }
  replaceSealedValues(values: SealedValue[]): Promise<void> { return sealed.replaceSealedValues(this.#ctx, values); }

  createDeployment(deployment: NewDeployment): Promise<DeploymentRecord> { return stages.createDeployment(this.#ctx, deployment); }
  finishDeployment(id: string, result: { status: Exclude<DeploymentStatus, 'running'>; message?: string | null; changes: DeploymentRecord['changes'] }): Promise<void> {
    return stages.finishDeployment(this.#ctx, id, result);
  }
  getDeployment(id: string): Promise<DeploymentRecord | undefined> { return stages.getDeployment(this.#ctx, id); }
  listDeployments(query: { app: string; stage?: string; service?: string; limit?: number }): Promise<DeploymentRecord[]> { return stages.listDeployments(this.#ctx, query); }
  deleteDeployments(app: string, stage: string): Promise<void> { return stages.deleteDeployments(this.#ctx, app, stage); }
  listRunningDeployments(): Promise<DeploymentRecord[]> { return stages.listRunningDeployments(this.#ctx); }

  registerTable(table: TableRecord): Promise<void> { return tables.registerTable(this.#ctx, table); }
  getTable(name: string): Promise<TableRecord | undefined> { return tables.getTable(this.#ctx, name); }
  listTables(app: string, stage: string): Promise<TableRecord[]> { return tables.listTables(this.#ctx, app, stage); }
  dropTables(app: string, stage: string): Promise<string[]> { return tables.dropTables(this.#ctx, app, stage); }
  tableGet(table: string, key: string): Promise<unknown | undefined> { return tables.tableGet(this.#ctx, table, key); }
  tablePut(table: string, key: string, value: unknown): Promise<void> { return tables.tablePut(this.#ctx, table, key, value); }
  tableDelete(table: string, key: string): Promise<boolean> { return tables.tableDelete(this.#ctx, table, key); }
  tableQuery(table: string, prefix: string, limit?: number): Promise<TableItem[]> { return tables.tableQuery(this.#ctx, table, prefix, limit); }

  appendLogs(entries: LogEntry[]): Promise<void> { return telemetry.appendLogs(this.#ctx, entries); }
  queryLogs(query: LogQuery): Promise<StoredLogEntry[]> { return telemetry.queryLogs(this.#ctx, query); }
  deleteLogs(app: string, stage: string): Promise<void> { return telemetry.deleteLogs(this.#ctx, app, stage); }
  addMetrics(samples: MetricSample[]): Promise<void> { return telemetry.addMetrics(this.#ctx, samples); }
  queryMetrics(query: MetricQuery): Promise<MetricSample[]> { return telemetry.queryMetrics(this.#ctx, query); }
  deleteMetrics(app: string, stage: string): Promise<void> { return telemetry.deleteMetrics(this.#ctx, app, stage); }

  createRollout(rollout: rollouts.NewRollout, lease?: rollouts.NewRolloutLease): Promise<RolloutRecord> { return rollouts.createRollout(this.#ctx, rollout, lease); }
  saveRollout(id: string, expectedRevision: number, update: rollouts.RolloutUpdate, lease?: LeaseRef): Promise<RolloutRecord | undefined> {
    return rollouts.saveRollout(this.#ctx, id, expectedRevision, update, lease);
  }
  getRollout(id: string): Promise<RolloutRecord | undefined> { return rollouts.getRollout(this.#ctx, id); }
  findActiveRollout(app: string, stage: string, service: string): Promise<RolloutRecord | undefined> { return rollouts.findActiveRollout(this.#ctx, app, stage, service); }
  listActiveRollouts(): Promise<RolloutRecord[]> { return rollouts.listActiveRollouts(this.#ctx); }
  listRollouts(query: { app: string; stage?: string; service?: string; limit?: number }): Promise<RolloutRecord[]> { return rollouts.listRollouts(this.#ctx, query); }
  deleteRollouts(app: string, stage: string): Promise<void> { return rollouts.deleteRollouts(this.#ctx, app, stage); }

  claimDueRollouts(holder: string, now: number, ttlMs: number, limit: number, options?: { includeOwn?: boolean }): Promise<RolloutClaim[]> {
    return leases.claimDueRollouts(this.#ctx, holder, now, ttlMs, limit, options);
  }
  claimRollout(id: string, holder: string, now: number, ttlMs: number): Promise<RolloutClaim | undefined> { return leases.claimRollout(this.#ctx, id, holder, now, ttlMs); }
  renewRolloutLeases(holder: string, held: Array<{ id: string; token: number }>, now: number, ttlMs: number): Promise<RenewedLease[]> {
    return leases.renewRolloutLeases(this.#ctx, holder, held, now, ttlMs);
  }
  releaseRolloutLease(id: string, lease: LeaseRef, now: number): Promise<boolean> { return leases.releaseRolloutLease(this.#ctx, id, lease, now); }
  holdsRolloutLease(id: string, lease: LeaseRef): Promise<boolean> { return leases.holdsRolloutLease(this.#ctx, id, lease); }
  postRolloutEvent(id: string, event: Record<string, unknown>): Promise<number> { return leases.postRolloutEvent(this.#ctx, id, event); }
  listRolloutInbox(id: string): Promise<InboxEntry[]> { return leases.listRolloutInbox(this.#ctx, id); }
  consumeInboxEntry(entryId: number): Promise<boolean> { return consumeInboxEntry(this.#ctx, entryId); }
  isInboxEntryPending(entryId: number): Promise<boolean> { return inboxEntryPending(this.#ctx, entryId); }
  claimScheduleTick(tick: ScheduleTickClaim): Promise<boolean> { return claimScheduleTick(this.#ctx, tick); }
  async onNotification(channel: NotificationChannel, listener: () => void): Promise<() => Promise<void>> {
    return (await this.#notifications?.listen(channel, listener)) ?? (async () => undefined);
  }

  appendEvent(event: NewEvent): Promise<EventRecord> { return telemetry.appendEvent(this.#ctx, event); }
  listEvents(query: EventQuery): Promise<EventRecord[]> { return telemetry.listEvents(this.#ctx, query); }

  upsertRepository(repo: NewRepository): Promise<RepositoryRecord> { return pipelines.upsertRepository(this.#ctx, repo); }
  getRepository(id: string): Promise<RepositoryRecord | undefined> { return pipelines.getRepository(this.#ctx, id); }
  listRepositories(app?: string): Promise<RepositoryRecord[]> { return pipelines.listRepositories(this.#ctx, app); }
  deleteRepository(id: string): Promise<boolean> { return pipelines.deleteRepository(this.#ctx, id); }
  listBranchHeads(repoId: string): Promise<BranchHeadRecord[]> { return pipelines.listBranchHeads(this.#ctx, repoId); }
  setBranchHead(repoId: string, branch: string, sha: string, now: number): Promise<void> { return pipelines.setBranchHead(this.#ctx, repoId, branch, sha, now); }
  deleteBranchHead(repoId: string, branch: string): Promise<void> { return pipelines.deleteBranchHead(this.#ctx, repoId, branch); }
  recordWebhookDelivery(id: string, event: string, receivedAt: number): Promise<boolean> { return pipelines.recordWebhookDelivery(this.#ctx, id, event, receivedAt); }

  createRun(run: NewRun, now: number): Promise<PipelineRunRecord> { return runs.createRun(this.#ctx, run, now); }
  getRun(id: string): Promise<PipelineRunRecord | undefined> { return runs.getRun(this.#ctx, id); }
  listRuns(query: RunQuery): Promise<PipelineRunRecord[]> { return runs.listRuns(this.#ctx, query); }
  saveRun(id: string, expectedRevision: number, update: RunUpdate, now: number, lease?: LeaseRef): Promise<PipelineRunRecord | undefined> {
    return runs.saveRun(this.#ctx, id, expectedRevision, update, now, lease);
  }
  countRuns(query: RunQuery): Promise<number> { return runs.countRuns(this.#ctx, query); }
  claimDueRuns(holder: string, now: number, ttlMs: number, limit: number, options?: { includeOwn?: boolean }): Promise<RunClaim[]> {
    return runs.claimDueRuns(this.#ctx, holder, now, ttlMs, limit, options);
  }
  claimRun(id: string, holder: string, now: number, ttlMs: number): Promise<RunClaim | undefined> { return runs.claimRun(this.#ctx, id, holder, now, ttlMs); }
  renewRunLeases(holder: string, held: Array<{ id: string; token: number }>, now: number, ttlMs: number): Promise<RenewedLease[]> {
    return runs.renewRunLeases(this.#ctx, holder, held, now, ttlMs);
  }
  releaseRunLease(id: string, lease: LeaseRef, now: number): Promise<boolean> { return runs.releaseRunLease(this.#ctx, id, lease, now); }
  holdsRunLease(id: string, lease: LeaseRef): Promise<boolean> { return runs.holdsRunLease(this.#ctx, id, lease); }
  postRunEvent(id: string, event: Record<string, unknown>, now?: number): Promise<number> { return runs.postRunEvent(this.#ctx, id, event, now); }
  listRunInbox(id: string): Promise<InboxEntry[]> { return runs.listRunInbox(this.#ctx, id); }
  appendRunLogs(lines: Array<Omit<RunLogLine, 'seq'>>): Promise<void> { return runs.appendRunLogs(this.#ctx, lines); }
  listRunLogs(runId: string, options?: { afterSeq?: number; limit?: number }): Promise<RunLogLine[]> { return runs.listRunLogs(this.#ctx, runId, options); }

  upsertPreview(preview: Omit<PreviewRecord, 'createdAt'>, now: number): Promise<void> { return pipelines.upsertPreview(this.#ctx, preview, now); }
  getPreview(app: string, stage: string): Promise<PreviewRecord | undefined> { return pipelines.getPreview(this.#ctx, app, stage); }
  listPreviews(app?: string): Promise<PreviewRecord[]> { return pipelines.listPreviews(this.#ctx, app); }
  deletePreview(app: string, stage: string): Promise<void> { return pipelines.deletePreview(this.#ctx, app, stage); }
  createRelease(release: NewRelease, now: number): Promise<ReleaseRecord> { return pipelines.createRelease(this.#ctx, release, now); }
  listReleases(query: { app: string; stage?: string; limit?: number }): Promise<ReleaseRecord[]> { return pipelines.listReleases(this.#ctx, query); }
  findReleaseByTree(app: string, stages: string[], treeSha: string): Promise<ReleaseRecord | undefined> { return pipelines.findReleaseByTree(this.#ctx, app, stages, treeSha); }
  deleteReleases(app: string, stage: string): Promise<void> { return pipelines.deleteReleases(this.#ctx, app, stage); }

  createToken(token: NewToken): Promise<TokenRecord> { return tokens.createToken(this.#ctx, token); }
  findTokenByHash(tokenHash: string): Promise<TokenRecord | undefined> { return tokens.findTokenByHash(this.#ctx, tokenHash); }
  listTokens(): Promise<TokenRecord[]> { return tokens.listTokens(this.#ctx); }
  revokeToken(name: string, revokedBy: string): Promise<TokenRecord | undefined> { return tokens.revokeToken(this.#ctx, name, revokedBy); }
  markTokenUsed(id: string, at: number): Promise<void> { return tokens.markTokenUsed(this.#ctx, id, at); }
  hasTokens(): Promise<boolean> { return tokens.hasTokens(this.#ctx); }
}
