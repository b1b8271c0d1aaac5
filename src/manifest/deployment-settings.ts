// Turns a validated `deployment:` block into what the engine consumes: the rollout plan (schedule, alarms,
// hooks with their timeouts), the routing rules, and the hook handlers to bundle.
import { readAlarm } from './deployment-alarms.js';
import { HOOK_TIMEOUT_DEFAULT_MS, readConfirmPromotion, readHookTimeout, readMatch, readSticky } from './deployment-routing.js';
import { ALL_AT_ONCE, readStrategy } from './deployment-strategy.js';
import type { RolloutPlanSpec } from './deployment-types.js';
import { RESOLVED, type Reading } from './deployment-values.js';
import { splitHandler } from './handler-schema.js';
import type { DeploymentSpec, HookHandlers, RoutingSpec, TrafficHook } from './types.js';

const TRAFFIC_HOOKS: readonly TrafficHook[] = ['preTraffic', 'postTraffic'];

export interface DeploymentSettings {
  rollout: RolloutPlanSpec;
  routing: RoutingSpec;
  hookHandlers: HookHandlers;
}

/** Values were validated by `deploymentSchema('resolved')`; a problem here is a bug, not a user error. */
function validated<T>(reading: Reading<T>, what: string): T {
  if (reading.value === undefined) throw new Error(`unvalidated ${what}: ${reading.problems.map((p) => p.message).join('; ')}`);
  return reading.value;
}

export function toDeploymentSettings(deployment: DeploymentSpec | undefined): DeploymentSettings {
  const written = deployment ?? {};
  const schedule = written.strategy === undefined ? ALL_AT_ONCE : validated(readStrategy(written.strategy), 'strategy');
  const alarms = (written.alarms ?? []).map((alarm) => validated(readAlarm(alarm as Record<string, unknown>, RESOLVED), 'alarm'));
  const timeoutMs = written.hooks?.timeout === undefined ? HOOK_TIMEOUT_DEFAULT_MS : validated(readHookTimeout(written.hooks.timeout, RESOLVED), 'hook timeout');
  const hooks: RolloutPlanSpec['hooks'] = {};
  for (const hook of TRAFFIC_HOOKS) {
    const handler = written.hooks?.[hook];
    if (handler !== undefined) hooks[hook] = { handler, timeoutMs };
  }
  const gate = written['confirm-promotion'];
  if (gate !== undefined) hooks.confirmPromotion = { url: validated(readConfirmPromotion(gate, RESOLVED), 'confirm-promotion'), timeoutMs };
  const routing: RoutingSpec = {};
  if (written.sticky !== undefined) routing.sticky = validated(readSticky(written.sticky, RESOLVED), 'sticky');
  if (written.match !== undefined) routing.match = validated(readMatch(written.match, RESOLVED), 'match');
  return { rollout: { schedule, alarms, hooks }, routing, hookHandlers: hookHandlersOf(written) };
}

/** The hook handlers written in a service document (raw or resolved): they hold no variables. */
export function hookHandlersOf(deployment: unknown): HookHandlers {
  const hooks = (deployment as DeploymentSpec | undefined)?.hooks;
  const handlers: HookHandlers = {};
  if (hooks === null || typeof hooks !== 'object') return handlers;
  for (const hook of TRAFFIC_HOOKS) {
    const handler = hooks[hook];
    const split = typeof handler === 'string' ? splitHandler(handler) : undefined;
    if (split !== undefined && typeof handler === 'string') handlers[hook] = { handler, ...split };
  }
  return handlers;
}
