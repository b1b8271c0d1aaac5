// How a rollout's weight becomes `live` alias targets: the old version keeps 100 − w, the new one gets w.
// The alias's rules (sticky key, header matches, the pre-traffic pin) are kept as the deploy set them.
// A `fence` runs first inside the routing transaction: the driver passes one that re-checks its lease on the
// rollout (and locks it until commit), so a process that lost the rollout to another cannot flip weights.

import type { AliasRecord, AliasRules, AliasTarget, Store } from '../store/index.js';
import type { EngineContext } from './ports.js';
import type { RolloutState, ShiftedFunction } from './rollout/types.js';

/** The header a pre-traffic hook sends to reach the new versions before any user does. */
export const PIN_HEADER = 'x-sluice-pin';

export function targetsFor(from: string | null, to: string, weight: number): AliasTarget[] {
  // A function new to the stage has nothing to share traffic with: none before its first weight, all after.
  if (!from) return [{ versionId: to, weight: weight > 0 ? 100 : 0 }];
  if (from === to || weight >= 100) return [{ versionId: to, weight: 100 }];
  // The new version stays a target at weight 0 so header matches (A/B, the hook's pin) can reach it.
  return [
    { versionId: from, weight: 100 - weight },
    { versionId: to, weight },
  ];
}

/** Checks inside a routing transaction that the writer may still write; throws to roll it back. */
export type RoutingFence = (tx: Store) => Promise<void>;

export async function applyRolloutWeight(ctx: EngineContext, state: RolloutState, weight: number, fence?: RoutingFence): Promise<void> {
  const finished = weight >= 100;
  await writeRouting(ctx, state, fence, (fn, rules) => ({ targets: targetsFor(fn.from, fn.to, weight), rules: finished ? withoutPin(rules) : rules }));
}

/** Puts 100% back on the old versions in one step; functions that had none lose their alias. */
export async function restoreOldVersions(ctx: EngineContext, state: RolloutState, fence?: RoutingFence): Promise<void> {
  await writeRouting(ctx, state, fence, (fn, rules) => {
    if (!fn.from) return null;
    const kept = withoutPin(rules);
    return { targets: [{ versionId: fn.from, weight: 100 }], rules: { ...kept, match: kept.match?.filter((m) => m.versionId === fn.from) } };
  });
}

type DesiredAlias = { targets: AliasTarget[]; rules: AliasRules } | null;

/**
 * Writes each shifted function's `live` alias as `desired` says (null: no alias), in one fenced transaction,
 * then tells the gateway. Ticks re-assert the routing after a restart, so a write that changes nothing is skipped.
 */
async function writeRouting(ctx: EngineContext, state: RolloutState, fence: RoutingFence | undefined, desired: (fn: ShiftedFunction, rules: AliasRules) => DesiredAlias): Promise<void> {
  const aliases = await ctx.store.listAliases(state.app, state.stage, state.service);
  const plan = state.functions.map((fn) => {
    const alias = aliases.find((a) => a.function === fn.function && a.name === 'live');
    return { fn, alias, wanted: desired(fn, alias?.rules ?? {}) };
  });
  if (plan.every(({ alias, wanted }) => sameAlias(alias, wanted))) return;
  await ctx.store.transaction(async (tx) => {
    await fence?.(tx);
    for (const { fn, wanted } of plan) {
      if (wanted === null) await tx.deleteAliases(state.app, state.stage, state.service, fn.function);
      else await tx.setAlias({ app: state.app, stage: state.stage, service: state.service, function: fn.function, name: 'live', ...wanted });
    }
    await tx.bumpRoutingGeneration();
  });
  await tellGateway(ctx);
}

function sameAlias(alias: AliasRecord | undefined, wanted: DesiredAlias): boolean {
  if (wanted === null) return alias === undefined;
  return alias !== undefined && JSON.stringify([alias.targets, alias.rules]) === JSON.stringify([wanted.targets, wanted.rules]);
}

function withoutPin(rules: AliasRecord['rules']): AliasRecord['rules'] {
  if (!rules.match) return rules;
  const match = rules.match.filter((m) => m.header.toLowerCase() !== PIN_HEADER);
  return match.length > 0 ? { ...rules, match } : { ...rules, match: undefined };
}

/** How long a rollout waits for its own gateway to reload before it goes on. */
const GATEWAY_NOTICE_MS = 5000;

/**
 * Tells this process's gateway at once. Best effort: the change is durable, and every gateway also learns
 * it through PostgreSQL NOTIFY or polling, so a gateway that is slow or down does not hold the rollout up.
 */
async function tellGateway(ctx: EngineContext): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), GATEWAY_NOTICE_MS);
    timer.unref();
  });
  try {
    if ((await Promise.race([ctx.routing.routingChanged(), timeout])) === 'timeout') ctx.log?.warn({ afterMs: GATEWAY_NOTICE_MS }, 'the gateway did not confirm a routing change in time; it catches up by itself');
  } catch (error) {
    ctx.log?.warn({ err: error }, 'the gateway could not be told of a routing change; it catches up by itself');
  } finally {
    clearTimeout(timer);
  }
}
