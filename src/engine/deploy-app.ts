// Deploys the services of an app to one stage: resolve each service's manifest for the stage, plan
// (desired vs current, by content address), publish the versions that changed, point `live` at them,
// store outputs and tables, then tell the gateway. Services deploy in dependency order, a layer at a time,
// and the services of one layer in parallel. No change anywhere means nothing is written.

import { SluiceError } from '../errors/index.js';
import {
  orderServices,
  parseApp,
  profileForStage,
  resolveService,
  type LoadedApp,
  type ManifestSources,
  type ResolutionContext,
} from '../manifest/index.js';
import { parse as parseYaml } from 'yaml';
import type { StageKind, StageRecord } from '../store/index.js';
import { recordRelease } from './record-release.js';
import { changeWithEvents } from './audit-trail.js';
import { deployService, type ServiceDeployResult } from './deploy-service.js';
import { assertStageName } from './stage-name.js';
import { serviceUrl, type EngineContext, type ProgressListener } from './ports.js';
import type { RolloutDriver } from './rollout-driver.js';
import { parseStrategy } from './rollout/index.js';

export interface DeployRequest {
  sources: ManifestSources;
  /** `sources` parsed, when the caller has parsed them already (the API's access control does). */
  loaded?: LoadedApp;
  /** Bundles keyed by code hash. */
  bundles: Record<string, Buffer>;
  /** `service.function` → code hash of its bundle. */
  functionCode: Record<string, string>;
  stage: string;
  /** Service names (or folders) to deploy; all when empty. */
  services?: string[];
  params?: Record<string, string>;
  /** `--strategy`: a CodeDeploy name or a custom form (as text or an object). */
  strategy?: unknown;
  /** Wait until the rollouts of the deploy have finished. */
  wait?: boolean;
  actor: string;
  commitSha?: string | null;
  /** The commit's git tree: a later commit with the same tree (a merge, a revert) finds this release. */
  treeSha?: string | null;
  /** The pipeline run deploying, recorded on the release. */
  runId?: string | null;
  /** What a new stage is recorded as; a preview is made by the pipeline. Default: as before, else 'stage'. */
  stageKind?: StageKind;
}

export interface DeployResult {
  app: string;
  stage: string;
  profile: string;
  changed: boolean;
  services: ServiceDeployResult[];
  /** The release recorded for a whole-app deploy that shipped something new (or the same at a new commit). */
  releaseId: string | null;
}

/** Serializes deploys of the same app/stage/service inside this process. */
const inFlight = new Set<string>();

export async function deployApp(ctx: EngineContext, driver: RolloutDriver, request: DeployRequest, progress: ProgressListener = () => {}): Promise<DeployResult> {
  assertStageName(request.stage);
  const strategy = request.strategy === undefined || request.strategy === '' ? undefined : parseStrategy(typeof request.strategy === 'string' && /^\s*\{/.test(request.strategy) ? parseYaml(request.strategy) : request.strategy);
  const loaded = request.loaded ?? parseApp(request.sources);
  const app = loaded.app.app;
  const profile = profileForStage(loaded.app, request.stage);
  const approval = loaded.app.profiles[profile]?.approval === 'required' ? 'required' : 'none';
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
    const kind = request.stageKind ?? existingStage?.kind ?? 'stage';
    let stageRecorded = existingStage !== undefined && existingStage.profile === profile && existingStage.approval === approval && existingStage.kind === kind;
    for (const layer of layers) {
      const layerResults = await Promise.all(
        layer.map(async (service) => {
          const resolutionContext = makeResolutionContext(ctx, loaded, request, profile, storedParams, service);
          progress({ service, phase: 'resolve', message: `Resolving ${service}` });
          const resolved = await resolveService(loaded, service, resolutionContext);
          return deployService(ctx, driver, {
            app: loaded.app,
            stage: request.stage,
            resolved,
            bundles: request.bundles,
            functionCode: request.functionCode,
            strategy,
            wait: request.wait ?? false,
            actor: request.actor,
            commitSha: request.commitSha ?? null,
            progress,
            ensureStage: async () => {
              if (stageRecorded) return;
              stageRecorded = true;
              await recordStage(ctx, { app, name: request.stage, profile, approval, kind }, existingStage, request);
            },
          });
        }),
      );
      results.push(...layerResults);
      if (layerResults.some((r) => r.status === 'deployed' && r.rollout === null)) {
        // Outputs or removed functions changed without a rollout: the gateway still has to learn it.
        await ctx.store.bumpRoutingGeneration();
        await ctx.routing.routingChanged();
      }
    }
    const changed = results.some((r) => r.status === 'deployed');
    const failed = results.some((r) => r.rollout !== null && (r.rollout.status === 'failed' || r.rollout.status === 'aborted'));
    // A release is the whole app as shipped: a deploy of some services, or one rolled back, records none.
    const releaseId = selected === undefined && !failed ? await recordRelease(ctx, request, app, changed) : null;
    progress({ phase: 'done', message: changed ? 'Deployed' : 'No changes' });
    return { app, stage: request.stage, profile, changed, services: results, releaseId };
  } finally {
    keys.forEach((key) => inFlight.delete(key));
  }
}

/** Creates the stage (or updates its profile and approval) with its `stage.created` / `stage.updated` entry. */
async function recordStage(ctx: EngineContext, stage: Omit<StageRecord, 'createdAt' | 'updatedAt' | 'lastDeployAt'>, existing: StageRecord | undefined, request: DeployRequest): Promise<void> {
  await changeWithEvents(ctx, async (tx) => {
    await tx.upsertStage(stage);
    const previous = existing ? { previous: { profile: existing.profile, approval: existing.approval } } : {};
    const event = {
      type: existing ? 'stage.updated' : 'stage.created',
      actor: request.actor,
      app: stage.app,
      stage: stage.name,
      service: null,
      commitSha: request.commitSha ?? null,
      payload: { profile: stage.profile, approval: stage.approval, ...previous },
    };
    return { value: undefined, events: [event] };
  });
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

