// Releases: what a whole-app deploy of a stage shipped (the manifest texts, the code hash of every function,
// the params, the commit and its tree), recorded after the deploy. promote-release.ts deploys them again.

import { randomUUID } from 'node:crypto';
import type { DeployRequest } from './deploy-app.js';
import type { EngineContext } from './ports.js';

/** Records the release of a deploy when it shipped something, or the same code at another commit. */
export async function recordRelease(ctx: EngineContext, request: DeployRequest, app: string, changed: boolean): Promise<string | null> {
  const commitSha = request.commitSha ?? null;
  const treeSha = request.treeSha ?? null;
  if (!changed) {
    const [latest] = await ctx.store.listReleases({ app, stage: request.stage, limit: 1 });
    if (latest && latest.commitSha === commitSha && latest.treeSha === treeSha) return latest.id;
    if (commitSha === null && latest) return latest.id;
  }
  const release = await ctx.store.createRelease(
    {
      id: randomUUID(),
      app,
      stage: request.stage,
      commitSha,
      treeSha,
      sources: request.sources.files,
      functionCode: request.functionCode,
      params: request.params ?? {},
      runId: request.runId ?? null,
    },
    ctx.now(),
  );
  return release.id;
}

