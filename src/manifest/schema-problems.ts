// Turns schema validation issues into located problems that say what was found and what was expected,
// with "did you mean" for unknown keys. Union issues are narrowed to the alternative the value was aiming at.
import type { z } from 'zod';
import type { Problem } from '../errors/index.js';
import { didYouMean } from './did-you-mean.js';
import { wrappedSchemaOf } from './field-schemas.js';
import type { ManifestFile } from './types.js';
import { containsVariable } from './variables/variable-syntax.js';
import { describeFound, problemAt, valueAtPath, type PropertyPath } from './yaml-source.js';

type Issue = z.core.$ZodIssue;

/**
 * Validates `data` (the content of `file`, or its resolved form) and returns every problem, or the parsed
 * value. `written` is the document as written, to say which variable a wrong resolved value came from.
 */
export function validateAgainstSchema(
  schema: z.ZodType,
  file: ManifestFile,
  data: unknown,
  written?: unknown,
): { ok: true; value: unknown } | { ok: false; problems: Problem[] } {
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, value: result.data };
  const context: IssueContext = { schema, file, data, written };
  return { ok: false, problems: result.error.issues.flatMap((issue) => issueProblems(issue, [], context)) };
}

interface IssueContext {
  schema: z.ZodType;
  file: ManifestFile;
  data: unknown;
  written: unknown;
}

function issueProblems(issue: Issue, prefix: PropertyPath, context: IssueContext): Problem[] {
  const path = [...prefix, ...(issue.path as PropertyPath)];
  const { file, data } = context;
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(context.schema, path);
    const expected = known.length > 0 ? `; expected one of ${known.join(', ')}` : '';
    return issue.keys.map((key) => problemAt(file, [...path, key], `unknown key "${key}"${didYouMean(key, known)}${expected}`, 'key'));
  }
  if (issue.code === 'invalid_union') {
    const branch = aimedBranch(issue.errors);
    if (branch !== undefined) return branch.flatMap((inner) => issueProblems(inner, path, context));
  }
  if (issue.code === 'invalid_key') {
    const message = issue.issues[0]?.message ?? issue.message;
    return [problemAt(file, path, `${message}, found "${String(path.at(-1))}"`, 'key')];
  }
  const value = valueAtPath(data, path);
  if (path.length === 0 && (value === undefined || value === null)) return [problemAt(file, path, `the file is empty; ${issue.message}`)];
  if (value === undefined && issue.code === 'invalid_type') {
    return [problemAt(file, path, `missing required key "${String(path.at(-1))}": ${issue.message}`)];
  }
  const found = issue.message.includes('found ') ? '' : `, found ${describeFound(value)}`;
  return [problemAt(file, path, `${issue.message}${found}${writtenAs(context.written, path)}`)];
}

/** ` (from ${param:x})` when the wrong value came from a variable. */
function writtenAs(written: unknown, path: PropertyPath): string {
  if (written === undefined) return '';
  const original = valueAtPath(written, path);
  return containsVariable(original) ? ` (from ${original})` : '';
}

/**
 * The alternative of a union the value was aiming at: the only one that failed for a reason other than the
 * value's type. Undefined when none or several did (the union's own message then says what it accepts).
 */
function aimedBranch(branches: Issue[][]): Issue[] | undefined {
  const aimed = branches.filter((issues) => !(issues.length === 1 && issues[0].path.length === 0 && issues[0].code === 'invalid_type'));
  return aimed.length === 1 ? aimed[0] : undefined;
}

interface SchemaDefinition {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  options?: z.ZodType[];
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
  element?: z.ZodType;
}

/** The keys the schema accepts for the mapping at `path`, for "did you mean" and "expected one of". */
export function knownKeysAt(schema: z.ZodType, path: PropertyPath): string[] {
  let current = expand(schema);
  for (const segment of path) current = current.flatMap((candidate) => expand(childSchema(candidate, segment)));
  const keys = current.flatMap((candidate) => Object.keys((candidate.def as SchemaDefinition).shape ?? {}));
  return [...new Set(keys)];
}

/** The object-like schemas behind wrappers (optional, nullable, pipes, unions, variable wrappers). */
function expand(schema: z.ZodType | undefined): z.ZodType[] {
  if (schema === undefined) return [];
  const wrapped = wrappedSchemaOf(schema);
  if (wrapped !== undefined) return expand(wrapped);
  const def = schema.def as SchemaDefinition;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
      return expand(def.innerType);
    case 'pipe':
      return [...expand(def.in), ...expand(def.out)];
    case 'union':
      return (def.options ?? []).flatMap(expand);
    default:
      return [schema];
  }
}

function childSchema(schema: z.ZodType, segment: string | number): z.ZodType | undefined {
  const def = schema.def as SchemaDefinition;
  if (def.type === 'object') return def.shape?.[String(segment)];
  if (def.type === 'record') return def.valueType;
  if (def.type === 'array') return def.element;
  return undefined;
}
