// Building blocks of the manifest schemas. Each carries the words of what it expects, so every problem
// reads "expected …, found …". Schemas are built for a phase: `raw` (as written: a value holding `${…}` is
// checked later) or `resolved` (after variables: numbers may arrive as numeric text from params).
import { z } from 'zod';
import { MAX_NAME_LENGTH, MEMBER_NAME_PATTERN, MEMBER_NAME_RULE, RESOURCE_NAME_PATTERN, RESOURCE_NAME_RULE } from './names.js';
import { containsVariable } from './variables/variable-syntax.js';

export type SchemaPhase = 'raw' | 'resolved';

const WRAPPED_SCHEMAS = new WeakMap<z.ZodType, z.ZodType>();

/** In the raw phase, a value holding `${…}` passes: it is validated once resolved. */
export function orVariable(schema: z.ZodType, phase: SchemaPhase): z.ZodType {
  if (phase === 'resolved') return schema;
  const wrapper = z.unknown().superRefine((value, ctx) => {
    if (containsVariable(value)) return;
    const result = schema.safeParse(value);
    if (!result.success) for (const issue of result.error.issues) ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]);
  });
  WRAPPED_SCHEMAS.set(wrapper, schema);
  return wrapper;
}

/** The schema an `orVariable` wrapper checks, for walking the schema tree. */
export function wrappedSchemaOf(schema: z.ZodType): z.ZodType | undefined {
  return WRAPPED_SCHEMAS.get(schema);
}

/** Non-empty text. */
export function text(expectation: string): z.ZodType<string> {
  return z.string({ error: expectation }).min(1, { error: expectation });
}

export const resourceName = (what: string): z.ZodType<string> =>
  z
    .string({ error: `expected ${what}: ${RESOURCE_NAME_RULE}` })
    .max(MAX_NAME_LENGTH, { error: `expected ${what}: ${RESOURCE_NAME_RULE}` })
    .regex(RESOURCE_NAME_PATTERN, { error: `expected ${what}: ${RESOURCE_NAME_RULE}` });

export const memberName = (what: string): z.ZodType<string> =>
  z
    .string({ error: `expected ${what}: ${MEMBER_NAME_RULE}` })
    .max(MAX_NAME_LENGTH, { error: `expected ${what}: ${MEMBER_NAME_RULE}` })
    .regex(MEMBER_NAME_PATTERN, { error: `expected ${what}: ${MEMBER_NAME_RULE}` });

/** A whole number in [min, max]; once resolved, numeric text such as a param's "30" counts as a number. */
export function wholeNumber(expectation: string, min: number, max: number, phase: SchemaPhase): z.ZodType {
  const number = z.number({ error: expectation }).int({ error: expectation }).min(min, { error: expectation }).max(max, { error: expectation });
  if (phase === 'raw') return orVariable(number, phase);
  return z.preprocess((value) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value), number);
}

/** true or false; once resolved, the texts "true" and "false" count too. */
export function booleanFlag(expectation: string, phase: SchemaPhase): z.ZodType {
  const flag = z.boolean({ error: expectation });
  if (phase === 'raw') return orVariable(flag, phase);
  return z.preprocess((value) => (value === 'true' ? true : value === 'false' ? false : value), flag);
}

/** Text, a number or a boolean: the values an environment variable or an output can take. */
export function scalarValue(expectation: string, phase: SchemaPhase): z.ZodType {
  return orVariable(z.union([z.string(), z.number(), z.boolean()], { error: expectation }), phase);
}

/** A mapping whose keys follow `key` and whose values follow `value`. */
export function mappingOf<Key extends z.ZodType<string>, Value extends z.ZodType>(key: Key, value: Value, expectation: string): z.ZodRecord<Key, Value> {
  return z.record(key, value, { error: expectation });
}
