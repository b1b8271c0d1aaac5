// Promotion: a stored release deployed to another stage as it is (its bundles from the store, its manifests
// and params as they were), and a revert: the release of the tree a commit returns to. Never a rebuild.

import { SluiceError } from '../errors/index.js';
import type { ReleaseRecord } from '../store/index.js';
import { deployApp, type DeployResult } from './deploy-app.js';
import type { EngineContext, ProgressListener } from './ports.js';
import type { RolloutDriver } from './rollout-driver.js';

export interface ReleaseDeployRequest {
  release: ReleaseRecord;
  stage: string;
  actor: string;
  /** The commit being deployed (a merge or revert on the target branch); default the release's. */
  commitSha?: string | null;
  treeSha?: string | null;
  runId?: string | null;
  wait?: boolean;
  strategy?: unknown;
}

/** Deploys a stored release to a stage: its bundles from the store, its manifests and params as they were. */
export async function deployRelease(ctx: EngineContext, driver: RolloutDriver, request: ReleaseDeployRequest, progress?: ProgressListener): Promise<DeployResult> {
  const { release } = request;
  const bundles: Record<string, Buffer> = {};
  for (const hash of new Set(Object.values(release.functionCode))) {
    const bundle = await ctx.store.getArtifact(hash);
    if (!bundle) {
      throw new SluiceError('NOT_FOUND', `The bundle ${hash.slice(0, 12)} of the release from ${release.stage} is gone.`, {
        hint: `Deploy ${release.stage} again, then promote.`,
      });
    }
    bundles[hash] = bundle;
  }
  return deployApp(ctx, driver, {
    sources: { root: `release ${release.id.slice(0, 8)} of ${release.stage}`, files: release.sources },
    bundles,
    functionCode: release.functionCode,
    params: release.params,
    stage: request.stage,
    actor: request.actor,
    commitSha: request.commitSha ?? release.commitSha,
    treeSha: request.treeSha ?? release.treeSha,
    runId: request.runId ?? null,
    wait: request.wait ?? false,
    strategy: request.strategy,
  }, progress);
}

/** `sluice promote --from A --to B`: the release live on A, deployed to B. */
export async function promoteStage(ctx: EngineContext, driver: RolloutDriver, request: { app: string; from: string; to: string; actor: string; wait?: boolean; strategy?: unknown }, progress?: ProgressListener): Promise<DeployResult & { release: ReleaseRecord }> {
  if (request.from === request.to) {
    throw new SluiceError('INVALID_ARGUMENT', `Cannot promote ${request.from} to itself.`, { hint: 'Name two different stages: --from staging --to prod.' });
  }
  const [release] = await ctx.store.listReleases({ app: request.app, stage: request.from, limit: 1 });
  if (!release) {
    throw new SluiceError('NOT_FOUND', `Stage ${request.from} of app ${request.app} has no release to promote.`, {
      hint: `Deploy the whole app to ${request.from} first (sluice deploy --stage ${request.from}).`,
    });
  }
  const result = await deployRelease(ctx, driver, { release, stage: request.to, actor: request.actor, wait: request.wait, strategy: request.strategy }, progress);
  return { ...result, release };
}
