// Deploys the services of an app to one stage: resolve each service's manifest for the stage, plan
// (desired vs current, by content address), publish the versions that changed, point `live` at them,
// store outputs and tables, then tell the gateway. Services deploy in dependency order, a layer at a time,
// and the services of one layer in parallel. No change anywhere means nothing is written.

import { randomUUID } from 'node:crypto';
import { SluiceError } from '../errors/index.js';
import {
  orderServices,
  parseApp,
  profileForStage,
  resolveService,
  type LoadedApp,
  type ManifestSources,
  type ResolutionContext,
  type ResolvedService,
} from '../manifest/index.js';
import type { DeploymentRecord } from '../store/index.js';
import { assertStageName } from './stage-name.js';
import { freezeFunction } from './function-version.js';
import { planService } from './plan-service.js';
import { describeEndpoints } from './endpoints.js';
import { serviceUrl, type EngineContext, type ProgressListener } from './ports.js';

export interface DeployRequest {
  sources: ManifestSources;
  /** Bundles keyed by code hash. */
  bundles: Record<string, Buffer>;
  /** `service.function` → code hash of its bundle. */
  functionCode: Record<string, string>;
  stage: string;
  /** Service names (or folders) to deploy; all when empty. */
  services?: string[];
  params?: Record<string, string>;
  actor: string;
  commitSha?: string | null;
}

export interface FunctionDeployResult {
  name: string;
  versionId: string;
  version: number;
  changed: boolean;
  endpoints: string[];
  schedules: string[];
}

export interface ServiceDeployResult {
  service: string;
  status: 'deployed' | 'unchanged';
  deploymentId: string | null;
  url: string;
  functions: FunctionDeployResult[];
  outputs: Record<string, string>;
}

export interface DeployResult {
  app: string;
  stage: string;
  profile: string;
  changed: boolean;
  services: ServiceDeployResult[];
}

/** Serializes deploys of the same app/stage/service inside this process. */
const inFlight = new Set<string>();

export async function deployApp(ctx: EngineContext, request: DeployRequest, progress: ProgressListener = () => {}): Promise<DeployResult> {
  assertStageName(request.stage);
  const loaded = parseApp(request.sources);
  const app = loaded.app.app;
  const profile = profileForStage(loaded.app, request.stage);
  const selected = selectServices(loaded, request.services ?? []);
  const layers = orderServices(loaded, selected);
  progress({ phase: 'plan', message: `Deploying ${layers.flat().join(', ')} to stage ${request.stage} (profile ${profile})` });

  const keys = layers.flat().map((service) => `${app}/${request.stage}/${service}`);
  const busy = keys.filter((key) => inFlight.has(key));
  if (busy.length > 0) {
    throw new SluiceError('DEPLOY_IN_PROGRESS', `A deployment of ${busy.join(', ')} is already running.`);
  }
  keys.forEach((key) => inFlight.add(key));
  try {
    const existingStage = await ctx.store.getStage(app, request.stage);
    const storedParams = await ctx.store.listParams(profile);
    const results: ServiceDeployResult[] = [];
    let stageRecorded = existingStage !== undefined && existingStage.profile === profile;
    for (const layer of layers) {
      const layerResults = await Promise.all(
        layer.map(async (service) => {
          const resolutionContext = makeResolutionContext(ctx, loaded, request, profile, storedParams, service);
          progress({ service, phase: 'resolve', message: `Resolving ${service}` });
          const resolved = await resolveService(loaded, service, resolutionContext);
          return deployService(ctx, { app, request, resolved, progress, ensureStage: async () => {
            if (stageRecorded) return;
            stageRecorded = true;
            await ctx.store.upsertStage({ app, name: request.stage, profile, kind: existingStage?.kind ?? 'stage' });
          } });
        }),
      );
      results.push(...layerResults);
      if (layerResults.some((r) => r.status === 'deployed')) {
        await ctx.store.bumpRoutingGeneration();
        await ctx.routing.routingChanged();
      }
    }
    const changed = results.some((r) => r.status === 'deployed');
    progress({ phase: 'done', message: changed ? 'Deployed' : 'No changes' });
    return { app, stage: request.stage, profile, changed, services: results };
  } finally {
    keys.forEach((key) => inFlight.delete(key));
  }
}

function selectServices(loaded: LoadedApp, wanted: string[]): string[] | undefined {
  if (wanted.length === 0) return undefined;
  return wanted.map((name) => {
    const match = loaded.services.find((s) => s.name === name || s.dir === name);
    if (!match) {
      const known = loaded.services.map((s) => s.name).join(', ');
      throw new SluiceError('NOT_FOUND', `No service named ${name} in app ${loaded.app.app}.`, { hint: `Services of this app: ${known}.` });
    }
    return match.name;
  });
}

function makeResolutionContext(
  ctx: EngineContext,
  loaded: LoadedApp,
  request: DeployRequest,
  profile: string,
  storedParams: Record<string, string>,
  service: string,
): ResolutionContext {
  return {
    stage: request.stage,
    region: ctx.region,
    cliParams: request.params ?? {},
    profile,
    storedParams,
    env: ctx.env,
    async secret(name) {
      const sealed = await ctx.store.getSecret(profile, name);
      return sealed === undefined ? undefined : ctx.secrets.decrypt(sealed);
    },
    async output(address) {
      return ctx.store.getOutput(address.app || loaded.app.app, address.stage || request.stage, address.service, address.key);
    },
    selfExtras: { url: serviceUrl(ctx.gatewayUrl, loaded.app.app, request.stage, service), stage: request.stage, app: loaded.app.app },
  };
}

interface ServiceDeployInput {
  app: string;
  request: DeployRequest;
  resolved: ResolvedService;
  progress: ProgressListener;
  ensureStage(): Promise<void>;
}

async function deployService(ctx: EngineContext, input: ServiceDeployInput): Promise<ServiceDeployResult> {
  const { app, request, resolved, progress } = input;
  const { store } = ctx;
  const stage = request.stage;
  const service = resolved.service;
  const url = serviceUrl(ctx.gatewayUrl, app, stage, service);

  const frozen = Object.values(resolved.functions).map((fn) => {
    const codeHash = request.functionCode[`${service}.${fn.name}`];
    if (!codeHash || !request.bundles[codeHash]) {
      throw new SluiceError('INVALID_BODY', `No bundle was uploaded for function ${service}.${fn.name}.`, {
        hint: 'Deploy with the Sluice CLI, which bundles every function of the selected services.',
      });
    }
    return { fn, codeHash, ...freezeFunction(resolved, fn, codeHash, ctx.secrets) };
  });
  const [live, outputs, tables, instances] = await Promise.all([
    store.listAliases(app, stage, service),
    store.listOutputs(app, stage),
    store.listTables(app, stage),
    store.listServiceInstances(app, stage),
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
  const newTables = plan.newTables;

  if (!plan.changed) {
    progress({ service, phase: 'unchanged', message: `${service}: no changes` });
    const versions = await Promise.all(frozen.map((f) => store.getVersion(f.versionId)));
    return {
      service,
      status: 'unchanged',
      deploymentId: null,
      url,
      functions: frozen.map((f, i) => functionResult(url, f.fn, versions[i]!.id, versions[i]!.number, false)),
      outputs: resolved.outputs,
    };
  }

  await input.ensureStage();
  for (const table of newTables) {
    const owner = await store.getTable(table.name);
    if (owner && (owner.app !== app || owner.stage !== stage || owner.service !== service)) {
      throw new SluiceError('MANIFEST_INVALID', `Table ${table.name} already belongs to ${owner.app}/${owner.stage}/${owner.service}.`, {
        hint: 'Give the table another name, or leave `name` out to get a name unique to the stage.',
      });
    }
  }
  const deployment = await store.createDeployment({ id: randomUUID(), app, stage, service, strategy: 'AllAtOnce', actor: request.actor, commitSha: request.commitSha ?? null });
  const changes: DeploymentRecord['changes'] = [];
  try {
    const functions: FunctionDeployResult[] = [];
    for (const f of frozen) {
      const move = plan.publish.find((p) => p.function === f.fn.name);
      if (move) progress({ service, phase: 'publish', message: `${service}.${f.fn.name}: publishing version` });
      if (move) await store.putArtifact(f.codeHash, request.bundles[f.codeHash]!);
      const version = await store.createVersion({ id: f.versionId, app, service, function: f.fn.name, codeHash: f.codeHash, config: f.config });
      if (move) {
        await store.setAlias({ app, stage, service, function: f.fn.name, name: 'live', targets: [{ versionId: version.id, weight: 100 }] });
        changes.push(move);
      }
      functions.push(functionResult(url, f.fn, version.id, version.number, move !== undefined));
    }
    for (const name of plan.removeFunctions) await store.deleteAliases(app, stage, service, name);
    for (const table of newTables) {
      await store.registerTable({ name: table.name, app, stage, service, logical: table.logical, keyField: table.key });
    }
    progress({ service, phase: 'outputs', message: `${service}: storing ${Object.keys(resolved.outputs).length} outputs` });
    await store.setOutputs(app, stage, service, resolved.outputs);
    await store.upsertServiceInstance({ app, stage, service, url, deploymentId: deployment.id, deployedAt: ctx.now() });
    await store.finishDeployment(deployment.id, { status: 'succeeded', changes });
    await store.appendEvent({ type: 'deployment.succeeded', actor: request.actor, app, stage, service, payload: { deploymentId: deployment.id, changes } });
    progress({ service, phase: 'done', message: `${service}: deployed ${changes.length} new version(s)` });
    return { service, status: 'deployed', deploymentId: deployment.id, url, functions, outputs: resolved.outputs };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await store.finishDeployment(deployment.id, { status: 'failed', message, changes }).catch(() => undefined);
    throw error;
  }
}

function functionResult(url: string, fn: ResolvedService['functions'][string], versionId: string, version: number, changed: boolean): FunctionDeployResult {
  const { endpoints, schedules } = describeEndpoints(url, fn.events);
  return { name: fn.name, versionId, version, changed, endpoints, schedules };
}

