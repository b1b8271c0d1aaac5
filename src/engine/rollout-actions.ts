// What a rollout's actions do once their transition is committed (rollout-commit.ts): alias weights and
// rollbacks inside a routing transaction fenced by the lease, metric reads, hooks in the background, the
// deployment's outcome, and the notices for live watchers. The driver (rollout-driver.ts) calls these in
// the order the machine decided, under the lease it holds.

import type { EventRecord, LeaseRef, Store } from '../store/index.js';
import { finishDeployment } from './audit-trail.js';
import type { EngineContext } from './ports.js';
import { LeaseLostError } from './rollout-claims.js';
import { runRolloutHook } from './rollout-hooks.js';
import { notifyWebhooks } from './rollout-notifier.js';
import { applyRolloutWeight, restoreOldVersions } from './rollout-routing.js';
import type { RolloutAction, RolloutEvent, RolloutState } from './rollout/types.js';

export interface ActionContext {
  ctx: EngineContext;
  state: RolloutState;
  actor: string;
  lease: LeaseRef;
  now(): number;
  /** The next audit entry committed with the transition, in the order of its notices. */
  nextRecorded(): EventRecord | undefined;
  /** Feeds a later event (a hook's result) back to the rollout, wherever its lease is by then. */
  deliver(event: RolloutEvent): void;
  /** Schedules the rollout's next tick on this process. */
  wakeAt(at: number): void;
}

/** Performs one action; returns an event to feed back when the action's outcome is known at once. */
export async function performRolloutAction(action: RolloutAction, a: ActionContext): Promise<RolloutEvent | undefined> {
  const { ctx, state, lease } = a;
  // Routing writes re-check the lease in their own transaction: a process that lost the rollout meanwhile
  // (paused, cut off) cannot flip weights.
  const fence = async (tx: Store) => {
    if (!(await tx.holdsRolloutLease(state.id, lease))) throw new LeaseLostError(state.id, lease.token);
  };
  switch (action.type) {
    case 'setWeight':
      await applyRolloutWeight(ctx, state, action.weight, fence);
      return undefined;
    case 'rollback':
      await restoreOldVersions(ctx, state, fence);
      return { type: 'rolledBack' };
    case 'collectMetrics': {
      const versionIds = state.functions.flatMap((f) => (f.from ? [f.from, f.to] : [f.to]));
      const samples = await ctx.store.queryMetrics({ app: state.app, stage: state.stage, service: state.service, fromBucket: Math.floor(action.from / 1000) * 1000, toBucket: action.to });
      return { type: 'metrics', samples: samples.filter((s) => versionIds.includes(s.versionId)) };
    }
    case 'runHook':
      // Hooks run in the background; their result comes back as an event (forwarded if the lease moved on).
      // A lost result is caught by the deadline, or by the next holder running the hook again.
      void runRolloutHook(ctx, state, action.hook, action.deadline).then(
        (outcome) => a.deliver({ type: 'hookResult', hook: action.hook, ...outcome }),
        (error: unknown) => a.deliver({ type: 'hookResult', hook: action.hook, outcome: 'failed', reason: error instanceof Error ? error.message : String(error) }),
      );
      return undefined;
    case 'wakeAt':
      a.wakeAt(action.at);
      return undefined;
    case 'emit':
      if (action.event.severity === 'debug') {
        // Analysis ticks are for live watchers only; the durable timeline keeps the decisions.
        ctx.events?.publish({ id: -1, ts: a.now(), type: `rollout.${action.event.kind}`, actor: 'sluice', app: state.app, stage: state.stage, service: state.service, payload: { rolloutId: state.id, ...action.event } });
      } else {
        // Live watchers hear it in the order of the effects; the entry itself was committed with the state.
        const recorded = a.nextRecorded();
        if (recorded) {
          ctx.events?.publish(recorded);
          void notifyWebhooks(ctx, state, recorded, action.event.severity);
        }
      }
      return undefined;
    case 'finish':
      await finishDeployment(ctx, state.deploymentId, {
        status: action.status,
        message: action.reason,
        changes: state.functions.map((f) => ({ function: f.function, from: f.from, to: f.to })),
      }, a.actor);
      return undefined;
  }
}
