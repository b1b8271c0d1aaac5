// Immutable commit addresses of a preview: once a commit is deployed, every function of the stage gets an
// alias `commit-<sha7>` holding, at 100%, the version its `live` alias serves. The gateway answers
// `{gateway}/c/{sha7}/{app}/{stage}/{service}/…` from those aliases, so a link posted for a commit keeps
// showing that commit after later pushes move `live`. They are aliases of the stage, so removeStage
// deletes them with it (and deleteUnreferencedVersions keeps their versions until then).

import { SluiceError } from '../errors/index.js';
import { COMMIT_ALIAS_PREFIX, type AliasTarget } from '../store/index.js';
import { commitServiceUrl, type EngineContext } from './ports.js';

/** `commit-` and the first 7 hex digits of the sha, lower case. */
export function commitAliasName(sha: string): string {
  return `${COMMIT_ALIAS_PREFIX}${shortSha(sha)}`;
}

function shortSha(sha: string): string {
  if (!/^[0-9a-f]{7,40}$/i.test(sha)) {
    throw new SluiceError('INVALID_ARGUMENT', `"${sha}" is not a git commit sha.`, { hint: 'Pass the commit as 7 to 40 hexadecimal digits.' });
  }
  return sha.slice(0, 7).toLowerCase();
}

/**
 * The version of a live alias a commit stands for: the one with the highest weight. Call it once the
 * deploy is done (then it is the new version alone); mid-rollout, a tie goes to the later target, which is
 * the new version (rollout-routing.ts lists the old version first).
 */
function servingVersion(targets: AliasTarget[]): string | undefined {
  let best: AliasTarget | undefined;
  for (const target of targets) if (target.weight > 0 && (best === undefined || target.weight >= best.weight)) best = target;
  return best?.versionId;
}

/**
 * Records the commit aliases of every function the stage serves, in one transaction, and has the gateway
 * route them before it returns. Recording the same commit again points its aliases at what is live now.
 * Returns the commit URL of each service that got one.
 */
export async function recordCommitAliases(ctx: EngineContext, request: { app: string; stage: string; sha: string }): Promise<Record<string, string>> {
  const { app, stage } = request;
  const name = commitAliasName(request.sha);
  const services = await ctx.store.transaction(async (tx) => {
    const recorded = new Set<string>();
    for (const alias of await tx.listAliases(app, stage)) {
      if (alias.name !== 'live') continue;
      const versionId = servingVersion(alias.targets);
      if (versionId === undefined) continue;
      await tx.setAlias({ app, stage, service: alias.service, function: alias.function, name, targets: [{ versionId, weight: 100 }] });
      recorded.add(alias.service);
    }
    if (recorded.size > 0) await tx.bumpRoutingGeneration();
    return [...recorded];
  });
  if (services.length === 0) return {};
  await ctx.routing.routingChanged();
  return Object.fromEntries(services.map((service) => [service, commitServiceUrl(ctx.gatewayUrl, app, stage, request.sha, service)]));
}
