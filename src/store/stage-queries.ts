// Stages, the service instances deployed to them, and their deployments.

import type { Selectable } from 'kysely';
import type { DeploymentRecord, NewDeployment, ServiceInstanceRecord, StageApproval, StageKind, StageRecord } from './types.js';
import type { DeploymentsTable, ServiceInstancesTable } from './schema.js';
import type { StoreContext } from './store-context.js';

export async function upsertStage(ctx: StoreContext, stage: { app: string; name: string; profile: string; kind: StageKind; approval?: StageApproval }): Promise<void> {
  const now = ctx.now();
  // Approval is security state: an upsert that does not name it leaves it as stored.
  const approval = stage.approval === undefined ? {} : { approval: stage.approval };
  await ctx.db.insertInto('stages')
    .values({ app: stage.app, name: stage.name, profile: stage.profile, kind: stage.kind, created_at: now, updated_at: now, ...approval })
    .onConflict((oc) => oc.columns(['app', 'name']).doUpdateSet({ profile: stage.profile, kind: stage.kind, updated_at: now, ...approval }))
    .execute();
}

function selectStages(ctx: StoreContext) {
  return ctx.db.selectFrom('stages as s')
    .select(['s.app', 's.name', 's.profile', 's.kind', 's.created_at', 's.updated_at', 's.approval'])
    .select((eb) => eb.selectFrom('deployments as d')
      .whereRef('d.app', '=', 's.app')
      .whereRef('d.stage', '=', 's.name')
      .where('d.status', '=', 'succeeded')
      .select((sub) => sub.fn.max('d.finished_at').as('m'))
      .as('last_deploy_at'));
}

type StageRow = Awaited<ReturnType<ReturnType<typeof selectStages>['executeTakeFirstOrThrow']>>;

function toStage(row: StageRow): StageRecord {
  return {
    app: row.app,
    name: row.name,
    profile: row.profile,
    kind: row.kind as StageKind,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastDeployAt: row.last_deploy_at ?? null,
    approval: row.approval === 'required' ? 'required' : 'none',
  };
}

export async function getStage(ctx: StoreContext, app: string, name: string): Promise<StageRecord | undefined> {
  const row = await selectStages(ctx).where('s.app', '=', app).where('s.name', '=', name).executeTakeFirst();
  return row && toStage(row);
}

export async function listStages(ctx: StoreContext, app?: string): Promise<StageRecord[]> {
  let query = selectStages(ctx).orderBy('s.app').orderBy('s.name');
  if (app !== undefined) query = query.where('s.app', '=', app);
  return (await query.execute()).map(toStage);
}

export async function deleteStage(ctx: StoreContext, app: string, name: string): Promise<void> {
  await ctx.db.deleteFrom('stages').where('app', '=', app).where('name', '=', name).execute();
}

export async function upsertServiceInstance(ctx: StoreContext, instance: ServiceInstanceRecord): Promise<void> {
  const values = {
    app: instance.app,
    stage: instance.stage,
    service: instance.service,
    url: instance.url,
    deployment_id: instance.deploymentId,
    deployed_at: instance.deployedAt,
  };
  await ctx.db.insertInto('service_instances').values(values)
    .onConflict((oc) => oc.columns(['app', 'stage', 'service'])
      .doUpdateSet({ url: values.url, deployment_id: values.deployment_id, deployed_at: values.deployed_at }))
    .execute();
}

export function toServiceInstance(row: Selectable<ServiceInstancesTable>): ServiceInstanceRecord {
  return { app: row.app, stage: row.stage, service: row.service, url: row.url, deploymentId: row.deployment_id, deployedAt: row.deployed_at };
}

export async function listServiceInstances(ctx: StoreContext, app: string, stage: string): Promise<ServiceInstanceRecord[]> {
  const rows = await ctx.db.selectFrom('service_instances').selectAll()
    .where('app', '=', app).where('stage', '=', stage).orderBy('service').execute();
  return rows.map(toServiceInstance);
}

export async function deleteServiceInstances(ctx: StoreContext, app: string, stage: string, service?: string): Promise<void> {
  let query = ctx.db.deleteFrom('service_instances').where('app', '=', app).where('stage', '=', stage);
  if (service !== undefined) query = query.where('service', '=', service);
  await query.execute();
}

function toDeployment(row: Selectable<DeploymentsTable>): DeploymentRecord {
  return {
    id: row.id,
    app: row.app,
    stage: row.stage,
    service: row.service,
    status: row.status as DeploymentRecord['status'],
    strategy: row.strategy,
    actor: row.actor,
    commitSha: row.commit_sha,
    message: row.message,
    changes: JSON.parse(row.changes) as DeploymentRecord['changes'],
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

export async function createDeployment(ctx: StoreContext, deployment: NewDeployment): Promise<DeploymentRecord> {
  const row = {
    id: deployment.id,
    app: deployment.app,
    stage: deployment.stage,
    service: deployment.service,
    status: 'running',
    strategy: deployment.strategy,
    actor: deployment.actor,
    commit_sha: deployment.commitSha ?? null,
    message: null,
    changes: '[]',
    created_at: ctx.now(),
    finished_at: null,
  };
  await ctx.db.insertInto('deployments').values(row).execute();
  return toDeployment(row);
}

export async function finishDeployment(
  ctx: StoreContext,
  id: string,
  result: { status: Exclude<DeploymentRecord['status'], 'running'>; message?: string | null; changes: DeploymentRecord['changes'] },
): Promise<void> {
  await ctx.db.updateTable('deployments')
    .set({ status: result.status, message: result.message ?? null, changes: JSON.stringify(result.changes), finished_at: ctx.now() })
    .where('id', '=', id)
    .execute();
}

export async function getDeployment(ctx: StoreContext, id: string): Promise<DeploymentRecord | undefined> {
  const row = await ctx.db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toDeployment(row);
}

/** Newest first (ties on createdAt broken by id so the order is stable). Default limit 100. */
export async function listDeployments(
  ctx: StoreContext,
  query: { app: string; stage?: string; service?: string; limit?: number },
): Promise<DeploymentRecord[]> {
  let select = ctx.db.selectFrom('deployments').selectAll().where('app', '=', query.app);
  if (query.stage !== undefined) select = select.where('stage', '=', query.stage);
  if (query.service !== undefined) select = select.where('service', '=', query.service);
  const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit ?? 100).execute();
  return rows.map(toDeployment);
}

export async function deleteDeployments(ctx: StoreContext, app: string, stage: string): Promise<void> {
  await ctx.db.deleteFrom('deployments').where('app', '=', app).where('stage', '=', stage).execute();
}

/** Deployments a crash may have interrupted, across all apps, oldest first (a partial index keeps it cheap). */
export async function listRunningDeployments(ctx: StoreContext): Promise<DeploymentRecord[]> {
  const rows = await ctx.db.selectFrom('deployments').selectAll().where('status', '=', 'running')
    .orderBy('created_at').orderBy('id').execute();
  return rows.map(toDeployment);
}
