// The schema of a service's `deployment:` block (strategy, alarms, hooks, confirm-promotion, sticky, match)
// and of a stage's `strategy:` in sluice.app.yml. Zod checks the shape (so unknown keys get "did you mean");
// the readers of deployment-strategy/-alarms/-routing check the values and locate each problem.
import { z } from 'zod';
import { ALARM_KEYS, readAlarm } from './deployment-alarms.js';
import { readConfirmPromotion, readHookTimeout, readMatch, readSticky, MATCH_KEYS } from './deployment-routing.js';
import { readStrategy } from './deployment-strategy.js';
import { addReadingIssues, type Reading, type ReadOptions } from './deployment-values.js';
import { orVariable, type SchemaPhase } from './field-schemas.js';
import { handlerSchema } from './handler-schema.js';

const STRATEGY_EXPECTATION = 'expected a strategy name (like Canary10Percent5Minutes) or a mapping like { type: canary, percent: 10, interval: 5m }';
const ALARM_EXPECTATION = 'expected an alarm: a mapping with metric and threshold (or relative), like { metric: errorRate, threshold: 0.05 }';
const HOOKS_EXPECTATION = 'expected { preTraffic, postTraffic, timeout } with handlers like src/hooks.pre';

type Reader = (value: unknown, options: ReadOptions) => Reading<unknown>;

/** `shape` checks the structure; `read` checks the values once the structure is right. */
function checkedBy(shape: z.ZodType, read: Reader, phase: SchemaPhase): z.ZodType {
  const options: ReadOptions = { deferVariables: phase === 'raw' };
  // Only on a well-shaped value: an unknown key is reported once, by zod, with its "did you mean".
  const whenShaped = { when: (payload: { issues: unknown[] }) => payload.issues.length === 0 };
  return orVariable(
    shape.superRefine((value, ctx) => addReadingIssues(read(value, options).problems, ctx), whenShaped),
    phase,
  );
}

/** A mapping accepting exactly `keys`, each checked by the reader rather than by zod. */
function mappingWithKeys(keys: readonly string[], expectation: string): z.ZodType {
  return z.strictObject(Object.fromEntries(keys.map((key) => [key, z.unknown().optional()])), { error: expectation });
}

/** A strategy: in a service's `deployment.strategy` and in a stage of sluice.app.yml. */
export function strategySchema(phase: SchemaPhase): z.ZodType {
  const shape = z.union([z.string({ error: STRATEGY_EXPECTATION }), mappingWithKeys(['type', 'percent', 'interval', 'weights'], STRATEGY_EXPECTATION)], {
    error: STRATEGY_EXPECTATION,
  });
  return checkedBy(shape, readStrategy, phase);
}

function alarmsSchema(phase: SchemaPhase): z.ZodType {
  const alarm = checkedBy(mappingWithKeys(ALARM_KEYS, ALARM_EXPECTATION), (value, options) => readAlarm(value as Record<string, unknown>, options), phase);
  const alarms = z.array(alarm, { error: 'expected a list of alarms' }).superRefine((entries, ctx) => {
    const options: ReadOptions = { deferVariables: phase === 'raw' };
    const seen = new Set<string>();
    entries.forEach((entry, index) => {
      const name = readAlarm(entry as Record<string, unknown>, options).value?.name;
      if (name === undefined) return;
      if (seen.has(name)) {
        const path = (entry as Record<string, unknown>).name === undefined ? [index] : [index, 'name'];
        ctx.addIssue({ code: 'custom', path, message: `expected alarms with distinct names, found a second "${name}" (give one of them a name:)` });
      }
      seen.add(name);
    });
  });
  return orVariable(alarms, phase);
}

function hooksSchema(phase: SchemaPhase): z.ZodType {
  // Hook handlers are bundled before a stage is known, like function handlers: no variables in them.
  return z.strictObject(
    {
      preTraffic: handlerSchema.optional(),
      postTraffic: handlerSchema.optional(),
      timeout: checkedBy(z.unknown(), readHookTimeout, phase).optional(),
    },
    { error: HOOKS_EXPECTATION },
  );
}

export function deploymentSchema(phase: SchemaPhase): z.ZodType {
  const deployment = z.looseObject(
    {
      strategy: strategySchema(phase).optional(),
      alarms: alarmsSchema(phase).optional(),
      hooks: hooksSchema(phase).optional(),
      'confirm-promotion': checkedBy(z.unknown(), readConfirmPromotion, phase).optional(),
      sticky: checkedBy(z.unknown(), readSticky, phase).optional(),
      match: checkedBy(mappingWithKeys(MATCH_KEYS, 'expected { header: NAME, value: TEXT }'), readMatch, phase).optional(),
    },
    { error: 'expected a mapping with strategy, alarms, hooks, confirm-promotion, sticky and match' },
  );
  return orVariable(deployment, phase);
}
