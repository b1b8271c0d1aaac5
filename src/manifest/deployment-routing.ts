// The smaller settings of a `deployment:` block: the hooks' timeout, the confirm-promotion gate URL, and how
// the gateway routes during a rollout (`sticky: header:X-User`, `match: { header, value }`).
import { isDeferred, missingKey, problem, readDurationMs, type FieldProblem, type Reading, type ReadOptions } from './deployment-values.js';
import type { RoutingSpec } from './types.js';

export const HOOK_TIMEOUT_DEFAULT_MS = 60_000;
const HOOK_TIMEOUT_MAX_MS = 3_600_000;
const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const MATCH_KEYS = ['header', 'value'] as const;

export function readHookTimeout(value: unknown, options: ReadOptions): Reading<number> {
  if (isDeferred(value, options)) return { problems: [] };
  const ms = readDurationMs(value, 1000);
  if (ms !== undefined && ms >= 1000 && ms <= HOOK_TIMEOUT_MAX_MS) return { value: ms, problems: [] };
  return { problems: [problem([], 'expected a hook timeout from 1s to 1h, like 60s or 5m (a plain number is seconds)', value)] };
}

export function readConfirmPromotion(value: unknown, options: ReadOptions): Reading<string> {
  if (isDeferred(value, options)) return { problems: [] };
  const expectation = 'expected the URL of an HTTP gate, like https://gate.example/approve';
  if (typeof value !== 'string') return { problems: [problem([], expectation, value)] };
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return { problems: [problem([], expectation, value)] };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problems: [problem([], `${expectation} (http or https)`, value)] };
  return { value: value.trim(), problems: [] };
}

export function readSticky(value: unknown, options: ReadOptions): Reading<NonNullable<RoutingSpec['sticky']>> {
  if (isDeferred(value, options)) return { problems: [] };
  const match = typeof value === 'string' ? /^\s*(header|cookie):\s*(\S+)\s*$/.exec(value) : null;
  if (match === null || !HTTP_TOKEN.test(match[2])) {
    return { problems: [problem([], 'expected header:NAME or cookie:NAME (like header:X-User), the key that keeps a caller on one version', value)] };
  }
  return { value: { source: match[1] as 'header' | 'cookie', name: match[2] }, problems: [] };
}

export function readMatch(value: unknown, options: ReadOptions): Reading<NonNullable<RoutingSpec['match']>> {
  const entry = value as Record<string, unknown>;
  const problems: FieldProblem[] = [];
  if (entry.header === undefined) problems.push(missingKey('header', 'expected the name of the request header to match, like X-Canary'));
  else if (!isDeferred(entry.header, options) && (typeof entry.header !== 'string' || !HTTP_TOKEN.test(entry.header))) {
    problems.push(problem(['header'], 'expected a request header name, like X-Canary', entry.header));
  }
  if (entry.value === undefined) problems.push(missingKey('value', 'expected the header value that sends a caller to the new version, like "1"'));
  else if (!['string', 'number', 'boolean'].includes(typeof entry.value)) problems.push(problem(['value'], 'expected a text value, like "1"', entry.value));
  if (problems.length > 0 || isDeferred(entry.header, options) || isDeferred(entry.value, options)) return { problems };
  return { value: { header: entry.header as string, value: String(entry.value) }, problems: [] };
}
