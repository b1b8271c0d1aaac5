// Test fixtures for the rollout machine: a rollout input with a plan built from a strategy as written,
// and small helpers to pick actions out of a step's result.
import { parseStrategy } from '../../../manifest/index.js';
import type { RolloutInput } from '../rollout-machine.js';
import type { RolloutAction, RolloutPlanSpec, StepResult } from '../types.js';

export interface PlanOptions {
  strategy?: unknown;
  alarms?: RolloutPlanSpec['alarms'];
  hooks?: RolloutPlanSpec['hooks'];
  /** Default: one function moving from v1 to v2. */
  functions?: RolloutInput['functions'];
}

export function rolloutInput(options: PlanOptions = {}): RolloutInput {
  return {
    id: 'r-1',
    app: 'shop',
    stage: 'prod',
    service: 'api',
    deploymentId: 'd-1',
    functions: options.functions ?? [{ function: 'submit', from: 'v1', to: 'v2' }],
    plan: { schedule: parseStrategy(options.strategy ?? 'Canary10Percent5Minutes'), alarms: options.alarms ?? [], hooks: options.hooks ?? {} },
  };
}

export const hook = (timeoutMs = 60_000) => ({ handler: 'src/hooks.check', timeoutMs });
export const gate = (timeoutMs = 60_000) => ({ url: 'https://gate.example/approve', timeoutMs });

/** The actions of a result without notices, as compact tuples: easy to compare whole. */
export function effects(result: StepResult): Array<[string, ...unknown[]]> {
  return result.actions.flatMap((action): Array<[string, ...unknown[]]> => {
    switch (action.type) {
      case 'emit':
        return [];
      case 'setWeight':
        return [['setWeight', action.weight]];
      case 'runHook':
        return [['runHook', action.hook, action.deadline]];
      case 'collectMetrics':
        return [['collectMetrics', action.from, action.to]];
      case 'wakeAt':
        return [['wakeAt', action.at]];
      case 'finish':
        return [['finish', action.status, action.reason]];
      case 'rollback':
        return [['rollback']];
    }
  });
}

/** The notices of a result as `severity kind: message`. */
export function notices(result: StepResult): string[] {
  return result.actions.flatMap((action: RolloutAction) => (action.type === 'emit' ? [`${action.event.severity} ${action.event.kind}: ${action.event.message}`] : []));
}
