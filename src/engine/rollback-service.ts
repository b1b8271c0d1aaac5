// `sluice rollback`: put a service's `live` back on earlier versions in one step. A version is code plus
// config, so this restores both. Without a target it undoes the last successful deployment; with a
// deployment id it restores what was live right after that deployment; with a version it moves one function.

import { randomUUID } from 'node:crypto';
import { SluiceError } from '../errors/index.js';
import type { DeploymentRecord, VersionRecord } from '../store/index.js';
import { recordEvent } from './event-bus.js';
import type { EngineContext } from './ports.js';

export interface RollbackRequest {
  app: string;
  stage: string;
  service: string;
  /** Deployment id, a version id (or its first 8+ hex characters), `N` or `function@N`. */
  to?: string;
  actor: string;
}

export interface RollbackResult {
  app: string;
  stage: string;
  service: string;
  deploymentId: string;
  changes: Array<{ function: string; from: string | null; to: string; fromNumber: number | null; toNumber: number }>;
}

export async function rollbackService(ctx: EngineContext, request: RollbackRequest): Promise<RollbackResult> {
  const { store } = ctx;
  const { app, stage, service } = request;
  const active = await store.findActiveRollout(app, stage, service);
  if (active) {
    throw new SluiceError('DEPLOY_IN_PROGRESS', `A rollout of ${service} in stage ${stage} is in progress.`, {
      hint: `Abort it with \`sluice rollout abort --stage ${stage} --service ${service}\`; that returns live to the old versions.`,
    });
  }
  const aliases = (await store.listAliases(app, stage, service)).filter((a) => a.name === 'live');
  if (aliases.length === 0) throw new SluiceError('STAGE_NOT_FOUND', `Service ${service} is not deployed to stage ${stage} of ${app}.`);
  const history = (await store.listDeployments({ app, stage, service, limit: 1000 })).sort((a, b) => a.createdAt - b.createdAt);
  const desired = await targetVersions(ctx, request, history, aliases.map((a) => a.function));

  const changes: RollbackResult['changes'] = [];
  for (const alias of aliases) {
    const to = desired.get(alias.function);
    const serving = [...alias.targets].sort((a, b) => b.weight - a.weight)[0]?.versionId ?? null;
    if (!to || (to === serving && alias.targets.length === 1)) continue;
    const [fromVersion, toVersion] = await Promise.all([serving ? store.getVersion(serving) : undefined, store.getVersion(to)]);
    if (!toVersion) throw new SluiceError('NOT_FOUND', `Version ${to.slice(0, 12)} of ${service}.${alias.function} no longer exists.`);
    changes.push({ function: alias.function, from: serving, to, fromNumber: fromVersion?.number ?? null, toNumber: toVersion.number });
  }
  if (changes.length === 0) {
    throw new SluiceError('INVALID_ARGUMENT', `Stage ${stage} already serves those versions of ${service}.`, { hint: '`sluice deploy list` shows the history to pick another target.' });
  }
  const deployment = await store.createDeployment({ id: randomUUID(), app, stage, service, strategy: 'Rollback', actor: request.actor });
  await store.transaction(async (tx) => {
    for (const change of changes) {
      await tx.setAlias({ app, stage, service, function: change.function, name: 'live', targets: [{ versionId: change.to, weight: 100 }] });
    }
    await tx.bumpRoutingGeneration();
  });
  await ctx.routing.routingChanged();
  await store.finishDeployment(deployment.id, { status: 'succeeded', message: `rollback${request.to ? ` to ${request.to}` : ''}`, changes: changes.map(({ function: fn, from, to }) => ({ function: fn, from, to })) });
  await recordEvent(store, ctx.events, { type: 'deployment.rolledBack', actor: request.actor, app, stage, service, payload: { deploymentId: deployment.id, to: request.to ?? null, changes } });
  return { app, stage, service, deploymentId: deployment.id, changes };
}

async function targetVersions(ctx: EngineContext, request: RollbackRequest, history: DeploymentRecord[], functions: string[]): Promise<Map<string, string>> {
  const succeeded = history.filter((d) => d.status === 'succeeded' && d.changes.length > 0);
  const to = request.to?.trim();
  if (!to) {
    const last = succeeded.at(-1);
    if (!last) throw new SluiceError('INVALID_ARGUMENT', `Service ${request.service} has no earlier deployment to go back to.`);
    const map = new Map<string, string>();
    for (const change of last.changes) if (change.from) map.set(change.function, change.from);
    if (map.size === 0) throw new SluiceError('INVALID_ARGUMENT', `The last deployment of ${request.service} created its functions; there is nothing earlier to go back to.`, { hint: 'Remove the stage instead, or deploy an earlier commit.' });
    return map;
  }
  const deployment = history.find((d) => d.id === to || (to.length >= 8 && d.id.startsWith(to)));
  if (deployment) {
    const map = new Map<string, string>();
    for (const d of succeeded.filter((s) => s.createdAt <= deployment.createdAt)) for (const change of d.changes) map.set(change.function, change.to);
    return map;
  }
  const versions = (await ctx.store.listVersions(request.app, request.service)).filter((v) => functions.includes(v.function));
  const match = matchVersion(versions, to);
  if (!match) {
    throw new SluiceError('NOT_FOUND', `No deployment or version "${to}" for ${request.service} in stage ${request.stage}.`, {
      hint: 'Use a deployment id from `sluice deploy list`, a version id, `N` (single-function services) or `function@N`.',
    });
  }
  return new Map([[match.function, match.id]]);
}

function matchVersion(versions: VersionRecord[], to: string): VersionRecord | undefined {
  const at = /^(?<fn>[A-Za-z][\w-]*)@v?(?<n>\d+)$/.exec(to);
  if (at) return versions.find((v) => v.function === at.groups!.fn && v.number === Number(at.groups!.n));
  const plain = /^v?(\d+)$/.exec(to);
  if (plain) {
    const candidates = versions.filter((v) => v.number === Number(plain[1]));
    const functions = new Set(versions.map((v) => v.function));
    if (functions.size > 1) {
      throw new SluiceError('INVALID_ARGUMENT', `Version numbers count per function, and ${[...functions].join(', ')} all have versions.`, { hint: `Write it as function@${plain[1]}.` });
    }
    return candidates[0];
  }
  if (/^[0-9a-f]{8,64}$/.test(to)) return versions.find((v) => v.id.startsWith(to));
  return undefined;
}
