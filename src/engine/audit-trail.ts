// Writes that must land on the audit timeline together with the change they describe: the change and its
// entries commit in one transaction (no change without its entry, no entry for a change that rolled back),
// then live subscribers hear of them. Deployments start and finish through here, so every deploy, rollback
// and rollout outcome is on the timeline with its actor and commit.

import type { DeploymentRecord, DeploymentStatus, EventRecord, NewDeployment, NewEvent, Store } from '../store/index.js';
import type { EngineContext } from './ports.js';

type AuditContext = Pick<EngineContext, 'store' | 'events'>;

/** Runs `change` in a transaction that also appends the events it returns; publishes them once committed. */
export async function changeWithEvents<T>(ctx: AuditContext, change: (tx: Store) => Promise<{ value: T; events: NewEvent[] }>): Promise<T> {
  let recorded: EventRecord[] = [];
  const value = await ctx.store.transaction(async (tx) => {
    const outcome = await change(tx);
    recorded = [];
    for (const event of outcome.events) recorded.push(await tx.appendEvent(event));
    return outcome.value;
  });
  for (const event of recorded) ctx.events?.publish(event);
  return value;
}

/** Creates a running deployment and its `deployment.started` entry. */
export function startDeployment(ctx: AuditContext, deployment: NewDeployment): Promise<DeploymentRecord> {
  return changeWithEvents(ctx, async (tx) => {
    const record = await tx.createDeployment(deployment);
    return { value: record, events: [deploymentEvent(record, 'started', deployment.actor, { strategy: record.strategy })] };
  });
}

/**
 * Finishes a deployment with its `deployment.<status>` entry. Finishing one that already finished (a
 * rollout's last action repeated after a restart) rewrites the record as before but adds no second entry.
 */
export function finishDeployment(
  ctx: AuditContext,
  id: string,
  result: { status: Exclude<DeploymentStatus, 'running'>; message?: string | null; changes: DeploymentRecord['changes'] },
  actor: string,
): Promise<void> {
  return changeWithEvents(ctx, async (tx) => {
    const before = await tx.getDeployment(id);
    await tx.finishDeployment(id, result);
    if (!before || before.status !== 'running') return { value: undefined, events: [] };
    const details = { message: result.message ?? null, functions: result.changes.map((c) => c.function) };
    return { value: undefined, events: [deploymentEvent(before, result.status, actor, details)] };
  });
}

/** The commit a deployment was made from, for entries about it (rollout steps, alarms). */
export async function deploymentCommit(store: Pick<Store, 'getDeployment'>, deploymentId: string): Promise<string | null> {
  return (await store.getDeployment(deploymentId))?.commitSha ?? null;
}

function deploymentEvent(deployment: DeploymentRecord, outcome: string, actor: string, details: Record<string, unknown>): NewEvent {
  return {
    type: `deployment.${outcome}`,
    actor,
    app: deployment.app,
    stage: deployment.stage,
    service: deployment.service,
    commitSha: deployment.commitSha,
    payload: { deploymentId: deployment.id, ...details },
  };
}
