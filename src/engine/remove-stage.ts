// Removes every trace of a stage: routes, aliases, outputs, tables with their items, logs, metrics,
// deployments, and the versions and bundles that nothing else uses any more.

import { SluiceError } from '../errors/index.js';
import { recordEvent } from './event-bus.js';
import type { EngineContext, ProgressListener } from './ports.js';
import { assertStageName } from './stage-name.js';

export interface RemoveResult {
  app: string;
  stage: string;
  services: string[];
  tablesDropped: string[];
  versionsDeleted: number;
  artifactsDeleted: number;
}

export async function removeStage(ctx: EngineContext, app: string, stage: string, actor: string, progress: ProgressListener = () => {}): Promise<RemoveResult> {
  assertStageName(stage);
  const { store } = ctx;
  const record = await store.getStage(app, stage);
  if (!record) {
    throw new SluiceError('STAGE_NOT_FOUND', `Stage ${stage} of app ${app} is not deployed.`);
  }
  const services = (await store.listServiceInstances(app, stage)).map((s) => s.service);
  progress({ phase: 'remove', message: `Removing routes of ${services.join(', ') || 'no services'}` });
  // Routes first, so the gateway stops serving before the data goes.
  await store.transaction(async (tx) => {
    await tx.deleteAliases(app, stage);
    await tx.deleteServiceInstances(app, stage);
    await tx.bumpRoutingGeneration();
  });
  await ctx.routing.routingChanged();

  progress({ phase: 'remove', message: 'Dropping tables, outputs, logs and metrics' });
  const result = await store.transaction(async (tx) => {
    const tablesDropped = await tx.dropTables(app, stage);
    await tx.deleteOutputs(app, stage);
    await tx.deleteLogs(app, stage);
    await tx.deleteMetrics(app, stage);
    await tx.deleteRollouts(app, stage);
    await tx.deleteDeployments(app, stage);
    await tx.deleteReleases(app, stage);
    await tx.deletePreview(app, stage);
    await tx.deleteStage(app, stage);
    const versions = await tx.deleteUnreferencedVersions(app);
    const artifacts = await tx.deleteUnreferencedArtifacts();
    return { tablesDropped, versionsDeleted: versions.length, artifactsDeleted: artifacts };
  });
  // The stage's audit entries stay: the timeline outlives what it describes.
  await recordEvent(store, ctx.events, { type: 'stage.removed', actor, app, stage, service: null, payload: { profile: record.profile, services, ...result } });
  return { app, stage, services, ...result };
}
