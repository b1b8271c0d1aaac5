// Deploys one resolved service to a stage: plan against what is live, publish the versions that changed
// (and the rollout hooks), store outputs and tables, then hand the traffic shift to a rollout. An
// AllAtOnce rollout without hooks finishes inside this call; a canary goes on in the rollout driver.

import { randomBytes, randomUUID } from 'node:crypto';
import { SluiceError } from '../errors/index.js';
import type { AppManifest, ResolvedService } from '../manifest/index.js';
import type { AliasRules, FunctionConfig } from '../store/index.js';
import { finishDeployment, startDeployment } from './audit-trail.js';
import { describeEndpoints } from './endpoints.js';
import { freezeFunction } from './function-version.js';
import { planService } from './plan-service.js';
import { serviceUrl, type EngineContext, type ProgressListener } from './ports.js';
import type { RolloutDriver } from './rollout-driver.js';
import { PIN_HEADER, targetsFor } from './rollout-routing.js';
import { createRollout, rolloutPlanFor, type RolloutState, type Schedule } from './rollout/index.js';

export interface FunctionDeployResult {
  name: string;
  versionId: string;
  version: number;
  changed: boolean;
  endpoints: string[];
  schedules: string[];
}

export interface RolloutSummary {
  id: string;
  status: 'active' | 'succeeded' | 'failed' | 'aborted';
  strategy: string;
  weight: number;
  reason: string | null;
}

export interface ServiceDeployResult {
  service: string;
  status: 'deployed' | 'unchanged';
  deploymentId: string | null;
  url: string;
  functions: FunctionDeployResult[];
  outputs: Record<string, string>;
  rollout: RolloutSummary | null;
}

export interface ServiceDeployInput {
  app: AppManifest;
  stage: string;
  resolved: ResolvedService;
  bundles: Record<string, Buffer>;
  functionCode: Record<string, string>;
  strategy?: Schedule;
  wait: boolean;
  actor: string;
  commitSha: string | null;
  progress: ProgressListener;
  ensureStage(): Promise<void>;
}

export async function deployService(ctx: EngineContext, driver: RolloutDriver, input: ServiceDeployInput): Promise<ServiceDeployResult> {
  const { resolved, progress, stage } = input;
  const { store } = ctx;
  const app = input.app.app;
  const service = resolved.service;
  const url = serviceUrl(ctx.gatewayUrl, app, stage, service);

  const frozen = Object.values(resolved.functions).map((fn) => {
    const codeHash = bundleHash(input, `${service}.${fn.name}`);
    return { fn, codeHash, ...freezeFunction(resolved, fn, codeHash, ctx.secrets) };
  });
  const [live, outputs, tables, instances, active] = await Promise.all([
    store.listAliases(app, stage, service),
    store.listOutputs(app, stage),
    store.listTables(app, stage),
    store.listServiceInstances(app, stage),
    store.findActiveRollout(app, stage, service),
  ]);
  const plan = planService(
    {
      live,
      outputs: Object.fromEntries(outputs.filter((o) => o.service === service).map((o) => [o.key, o.value])),
      tableNames: tables.filter((t) => t.service === service).map((t) => t.name),
      url: instances.find((s) => s.service === service)?.url ?? null,
    },
    { functions: frozen.map((f) => ({ name: f.fn.name, versionId: f.versionId })), outputs: resolved.outputs, tables: Object.values(resolved.tables), url },
  );

  if (active) {
    const state = active.state as unknown as RolloutState;
    throw new SluiceError('DEPLOY_IN_PROGRESS', `A rollout of ${service} to stage ${stage} is in progress (${state.phase}, ${state.weight}% on the new versions).`, {
      hint: `Wait for it (\`sluice rollout watch --stage ${stage} --service ${service}\`), finish it with \`sluice rollout promote --full\`, or stop it with \`sluice rollout abort\`.`,
    });
  }
  if (!plan.changed) {
    progress({ service, phase: 'unchanged', message: `${service}: no changes` });
    const versions = await Promise.all(frozen.map((f) => store.getVersion(f.versionId)));
    return { service, status: 'unchanged', deploymentId: null, url, functions: frozen.map((f, i) => functionResult(url, f.fn, versions[i]!.number, f.versionId, false)), outputs: resolved.outputs, rollout: null };
  }

  await input.ensureStage();
  for (const table of plan.newTables) {
    const owner = await store.getTable(table.name);
    if (owner && (owner.app !== app || owner.stage !== stage || owner.service !== service)) {
      throw new SluiceError('MANIFEST_INVALID', `Table ${table.name} already belongs to ${owner.app}/${owner.stage}/${owner.service}.`, {
        hint: 'Give the table another name, or leave `name` out to get a name unique to the stage.',
      });
    }
  }
  const rolloutPlan = { ...rolloutPlanFor({ service: resolved, app: input.app, stage, strategy: input.strategy }), notifications: input.app.notifications };
  const deployment = await startDeployment(ctx, { id: randomUUID(), app, stage, service, strategy: rolloutPlan.schedule.name, actor: input.actor, commitSha: input.commitSha });
  try {
    const functions: FunctionDeployResult[] = [];
    for (const f of frozen) {
      const move = plan.publish.find((p) => p.function === f.fn.name);
      if (move) {
        progress({ service, phase: 'publish', message: `${service}.${f.fn.name}: publishing version` });
        await store.putArtifact(f.codeHash, input.bundles[f.codeHash]!);
      }
      const version = await store.createVersion({ id: f.versionId, app, service, function: f.fn.name, codeHash: f.codeHash, config: f.config });
      functions.push(functionResult(url, f.fn, version.number, version.id, move !== undefined));
    }
    for (const [hook, handler] of Object.entries(resolved.hookHandlers)) {
      const spec = rolloutPlan.hooks[hook as 'preTraffic' | 'postTraffic'];
      if (!handler || !spec) continue;
      spec.versionId = await publishHook(ctx, input, hook, handler, Math.ceil(spec.timeoutMs / 1000), frozen[0]?.config);
    }
    for (const name of plan.removeFunctions) await store.deleteAliases(app, stage, service, name);
    for (const table of plan.newTables) await store.registerTable({ name: table.name, app, stage, service, logical: table.logical, keyField: table.key });
    await store.setOutputs(app, stage, service, resolved.outputs);
    await store.upsertServiceInstance({ app, stage, service, url, deploymentId: deployment.id, deployedAt: ctx.now() });

    if (plan.publish.length === 0) {
      // Only outputs, tables or removed functions changed: nothing to shift.
      await finishDeployment(ctx, deployment.id, { status: 'succeeded', changes: [] }, input.actor);
      return { service, status: 'deployed', deploymentId: deployment.id, url, functions, outputs: resolved.outputs, rollout: null };
    }
    await prepareAliases(ctx, app, stage, service, plan.publish, resolved);
    // Like provisioned concurrency: the new versions answer their first users warm, so alarms judge the code,
    // not a worker's start-up.
    await ctx.invoker.warm?.(plan.publish.map((p) => ({ app, stage, service, function: p.function, versionId: p.to })));
    progress({ service, phase: 'route', message: `${service}: rollout ${rolloutPlan.schedule.name}` });
    const initial = createRollout({ id: randomUUID(), app, stage, service, deploymentId: deployment.id, functions: plan.publish, plan: rolloutPlan }, ctx.now());
    const record = await driver.begin(initial.state, initial.actions, input.actor);
    const settled = input.wait ? await driver.settled(record.id) : record;
    const state = settled.state as unknown as RolloutState;
    progress({ service, phase: 'done', message: `${service}: ${plan.publish.length} new version(s), rollout ${settled.status}` });
    return {
      service,
      status: 'deployed',
      deploymentId: deployment.id,
      url,
      functions,
      outputs: resolved.outputs,
      rollout: { id: settled.id, status: settled.status, strategy: rolloutPlan.schedule.name, weight: state.weight, reason: state.reason },
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const current = await store.getDeployment(deployment.id).catch(() => undefined);
    if (current?.status === 'running' && !(await store.findActiveRollout(app, stage, service).catch(() => undefined))) {
      await finishDeployment(ctx, deployment.id, { status: 'failed', message, changes: [] }, input.actor).catch(() => undefined);
    }
    throw error;
  }
}

/** Before the first weight: the new versions join the alias at 0% with the service's routing rules and a pin. */
async function prepareAliases(ctx: EngineContext, app: string, stage: string, service: string, publish: Array<{ function: string; from: string | null; to: string }>, resolved: ResolvedService): Promise<void> {
  const pin = randomBytes(16).toString('hex');
  await ctx.store.transaction(async (tx) => {
    for (const change of publish) {
      const match: NonNullable<AliasRules['match']> = [{ header: PIN_HEADER, value: pin, versionId: change.to }];
      if (resolved.routing.match) match.push({ header: resolved.routing.match.header, value: resolved.routing.match.value, versionId: change.to });
      const rules: AliasRules = { match, ...(resolved.routing.sticky ? { sticky: resolved.routing.sticky } : {}) };
      const targets = targetsFor(change.from, change.to, 0);
      await tx.setAlias({ app, stage, service, function: change.function, name: 'live', targets, rules });
    }
    await tx.bumpRoutingGeneration();
  });
  await ctx.routing.routingChanged();
}

/** Hooks are published like functions (named `hook-preTraffic`, …) but never routed. */
async function publishHook(ctx: EngineContext, input: ServiceDeployInput, hook: string, handler: { handler: string; handlerExport: string }, timeout: number, like: FunctionConfig | undefined): Promise<string> {
  const service = input.resolved.service;
  const name = `hook-${hook}`;
  const codeHash = bundleHash(input, `${service}.${name}`);
  const spec = { name, handler: handler.handler, handlerModule: '', handlerExport: handler.handlerExport, timeout, memory: like?.memory ?? 256, concurrency: 10, environment: like?.environment ?? {}, events: [] };
  const frozen = freezeFunction({ ...input.resolved, sensitivePaths: [] }, spec, codeHash, ctx.secrets);
  await ctx.store.putArtifact(codeHash, input.bundles[codeHash]!);
  const version = await ctx.store.createVersion({ id: frozen.versionId, app: input.app.app, service, function: name, codeHash, config: frozen.config });
  return version.id;
}

function bundleHash(input: ServiceDeployInput, key: string): string {
  const codeHash = input.functionCode[key];
  if (!codeHash || !input.bundles[codeHash]) {
    throw new SluiceError('INVALID_BODY', `No bundle was uploaded for ${key}.`, { hint: 'Deploy with the Sluice CLI, which bundles every function and hook of the selected services.' });
  }
  return codeHash;
}

function functionResult(url: string, fn: ResolvedService['functions'][string], version: number, versionId: string, changed: boolean): FunctionDeployResult {
  const { endpoints, schedules } = describeEndpoints(url, fn.events);
  return { name: fn.name, versionId, version, changed, endpoints, schedules };
}
