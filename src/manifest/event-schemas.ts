// The events that reach a function: `http` routes and `schedule` expressions, in their short and long
// forms, validated and turned into HttpEvent / ScheduleEvent.
import { z } from 'zod';
import { booleanFlag, orVariable, type SchemaPhase } from './field-schemas.js';
import type { FunctionEvent, HttpMethod } from './types.js';

const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ANY'];
const HTTP_EXPECTATION = 'expected "METHOD /path" (like POST /submissions) or { method, path }';
const SCHEDULE_EXPECTATION = 'expected rate(N minutes|hours|days), cron(min hour day month weekday year), or { rate, enabled, input }';

/** `*` means ANY; methods are case-insensitive. */
export function normalizeHttpMethod(method: string): HttpMethod | undefined {
  const upper = method.trim().toUpperCase();
  if (upper === '*') return 'ANY';
  return (HTTP_METHODS as readonly string[]).includes(upper) ? (upper as HttpMethod) : undefined;
}

/** Why `path` is not a route path, or undefined when it is one. */
export function httpPathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return `expected a path starting with "/", found "${path}"`;
  const segments = path.split('/').slice(1);
  for (const [index, segment] of segments.entries()) {
    const isLast = index === segments.length - 1;
    if (segment === '' && !isLast) return `expected no empty segment ("//") in "${path}"`;
    if (/^\{[A-Za-z_][A-Za-z0-9_]*\+\}$/.test(segment) && !isLast) return `a greedy parameter like {proxy+} must be the last segment, in "${path}"`;
    if (/^\{[A-Za-z_][A-Za-z0-9_]*\+?\}$/.test(segment) || /^[A-Za-z0-9._~:@!$&'()*+,;=-]*$/.test(segment)) continue;
    return `expected segments of letters, digits, -._~ or parameters like {id} and {proxy+}, found "${segment}" in "${path}"`;
  }
  return undefined;
}

/** `POST /submissions` → method and path, or what is wrong with it. */
export function parseHttpRoute(route: string): { method: HttpMethod; path: string } | { error: string } {
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(route);
  if (match === null) return { error: `${HTTP_EXPECTATION}, found "${route}"` };
  const method = normalizeHttpMethod(match[1]);
  if (method === undefined) return { error: `expected an HTTP method (${HTTP_METHODS.join(', ')} or *), found "${match[1]}"` };
  const pathProblem = httpPathProblem(match[2]);
  return pathProblem === undefined ? { method, path: match[2] } : { error: pathProblem };
}

/** Why `expression` is not a schedule expression, or undefined. */
export function scheduleExpressionProblem(expression: string): string | undefined {
  const rate = /^rate\((.*)\)$/.exec(expression.trim());
  if (rate !== null) {
    return /^[1-9]\d*\s+(minute|minutes|hour|hours|day|days)$/.test(rate[1].trim())
      ? undefined
      : `expected rate(N minutes|hours|days) with N a positive whole number, found "${expression}"`;
  }
  const cron = /^cron\((.*)\)$/.exec(expression.trim());
  if (cron !== null) {
    const fields = cron[1].trim().split(/\s+/);
    if (fields.length !== 6) return `expected cron( ) with 6 fields (minutes hours day-of-month month day-of-week year), found ${fields.length} in "${expression}"`;
    const bad = fields.find((field) => !/^[0-9A-Za-z*?,/#LW-]+$/.test(field));
    return bad === undefined ? undefined : `expected cron fields of digits, names and * ? , / - L W #, found "${bad}" in "${expression}"`;
  }
  return `${SCHEDULE_EXPECTATION}, found "${expression}"`;
}

function refinedText(check: (value: string) => string | undefined, expectation: string): z.ZodType<string> {
  return z.string({ error: expectation }).superRefine((value, ctx) => {
    const problem = check(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

export function httpEventSchema(phase: SchemaPhase): z.ZodType {
  const route = refinedText((value) => {
    const parsed = parseHttpRoute(value);
    return 'error' in parsed ? parsed.error : undefined;
  }, HTTP_EXPECTATION);
  const method = refinedText(
    (value) => (normalizeHttpMethod(value) === undefined ? `expected an HTTP method (${HTTP_METHODS.join(', ')} or *)` : undefined),
    'expected an HTTP method',
  );
  const longForm = z.strictObject(
    { method: orVariable(method, phase), path: orVariable(refinedText(httpPathProblem, 'expected a path like /items/{id}'), phase) },
    { error: HTTP_EXPECTATION },
  );
  return orVariable(z.union([route, longForm], { error: HTTP_EXPECTATION }), phase);
}

export function scheduleEventSchema(phase: SchemaPhase): z.ZodType {
  const expression = refinedText(scheduleExpressionProblem, SCHEDULE_EXPECTATION);
  const longForm = z.strictObject(
    {
      rate: orVariable(expression, phase),
      enabled: booleanFlag('expected true or false', phase).optional(),
      input: z.unknown().optional(),
    },
    { error: SCHEDULE_EXPECTATION },
  );
  return orVariable(z.union([expression, longForm], { error: SCHEDULE_EXPECTATION }), phase);
}

/** One entry of `events:`: exactly one of `http` or `schedule`. */
export function eventEntrySchema(phase: SchemaPhase): z.ZodType {
  const entry = z
    .strictObject(
      { http: httpEventSchema(phase).optional(), schedule: scheduleEventSchema(phase).optional() },
      { error: 'expected an event such as { http: POST /path } or { schedule: rate(5 minutes) }' },
    )
    .refine((value) => eventKinds(value).length === 1, {
      // Only when the keys are otherwise right: an unknown key is reported on its own, with "did you mean".
      when: (payload) => payload.issues.length === 0,
      error: (issue) => {
        const kinds = eventKinds(issue.input as Record<string, unknown>);
        return `expected exactly one of http or schedule in an event, found ${kinds.length === 0 ? 'none' : kinds.join(' and ')}`;
      },
    });
  return orVariable(entry, phase);
}

function eventKinds(entry: Record<string, unknown>): string[] {
  return ['http', 'schedule'].filter((kind) => entry[kind] !== undefined);
}

/** A validated, resolved event entry as the runtime wants it. */
export function toFunctionEvent(entry: { http?: unknown; schedule?: unknown }): FunctionEvent {
  if (entry.http !== undefined) {
    if (typeof entry.http === 'string') {
      const parsed = parseHttpRoute(entry.http);
      if ('error' in parsed) throw new Error(`unvalidated http event: ${parsed.error}`);
      return { type: 'http', ...parsed };
    }
    const route = entry.http as { method: string; path: string };
    return { type: 'http', method: normalizeHttpMethod(route.method) ?? 'ANY', path: route.path };
  }
  if (typeof entry.schedule === 'string') return { type: 'schedule', expression: entry.schedule.trim(), enabled: true };
  const schedule = entry.schedule as { rate: string; enabled?: boolean; input?: unknown };
  const event: FunctionEvent = { type: 'schedule', expression: schedule.rate.trim(), enabled: schedule.enabled ?? true };
  if (schedule.input !== undefined) event.input = schedule.input;
  return event;
}
