// The one table of who may call what: every API route with the role it needs, and whether a stage's or a
// profile's rules apply. access-control.ts enforces it for every /api call; docs/api.md restates it, and
// the role-matrix test checks every route of the app against it. A route missing here needs admin.
//
// Roles are ordered: viewer < deployer < approver < admin, each with every right of the ones before it.
// - viewer reads.
// - deployer changes stages (deploy, remove, roll back, steer a rollout, invoke) whose profile needs no approval.
// - approver also changes stages whose profile has `approval: required`, and approves or rejects pipeline runs.
// - admin also manages tokens, params and secrets.
// A token made with `--profiles` acts only on stages of those profiles and on those profiles' params and secrets.

import type { TokenRole } from '../store/index.js';

export const ROLES: readonly TokenRole[] = ['viewer', 'deployer', 'approver', 'admin'];

export function roleRank(role: TokenRole): number {
  return ROLES.indexOf(role);
}

export function isRole(value: string): value is TokenRole {
  return (ROLES as readonly string[]).includes(value);
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteAccess {
  method: HttpMethod;
  /** Hono-style path; `:name` matches one segment. */
  path: string;
  /** 'public' needs no token at all. */
  role: TokenRole | 'public';
  /**
   * The route changes a stage, whose profile is read from the store (`stored`, by :app and :stage) or, for a
   * deploy, from the uploaded manifest (`upload`), for a promotion from the manifest of the source stage's
   * release (`release`). The caller's --profiles must include that profile.
   */
  stage?: 'stored' | 'upload' | 'release';
  /** With `stage`: whether `approval: required` on the stage's profile raises the role to approver. */
  approval?: 'raises' | 'ignored';
  /** The route changes the profile named by :profile; the caller's --profiles must include it. */
  profile?: 'path';
  /** Only a token without --profiles may call it (tokens make tokens: a scoped admin must not mint an unscoped one). */
  everyProfile?: true;
}

const route = (method: HttpMethod, path: string, role: RouteAccess['role'], rules: Omit<RouteAccess, 'method' | 'path' | 'role'> = {}): RouteAccess => ({ method, path, role, ...rules });
const STAGE = '/api/apps/:app/stages/:stage';
const changesStoredStage = { stage: 'stored', approval: 'raises' } as const;

export const ROUTE_ACCESS: readonly RouteAccess[] = [
  route('GET', '/api/health', 'public'),
  route('GET', '/api/whoami', 'viewer'),
  route('GET', '/api/stages', 'viewer'),
  route('GET', STAGE, 'viewer'),
  route('GET', '/api/apps/:app/deployments', 'viewer'),
  route('GET', `${STAGE}/logs`, 'viewer'),
  route('GET', `${STAGE}/rollouts`, 'viewer'),
  route('GET', `${STAGE}/rollouts/:service`, 'viewer'),
  route('GET', '/api/events', 'viewer'),
  route('GET', '/api/audit', 'viewer'),
  route('GET', '/api/profiles/:profile/params', 'viewer'),
  route('GET', '/api/profiles/:profile/secrets', 'viewer'),
  route('GET', '/api/runs', 'viewer'),
  route('GET', '/api/runs/:run', 'viewer'),
  route('GET', '/api/runs/:run/logs', 'viewer'),
  route('GET', '/api/repositories', 'viewer'),
  // The dashboard's reads (dashboard-routes.ts); the profiles list names secrets, never their values.
  route('GET', '/api/overview', 'viewer'),
  route('GET', `${STAGE}/metrics`, 'viewer'),
  route('GET', `${STAGE}/rollouts/:service/analysis`, 'viewer'),
  route('GET', '/api/profiles', 'viewer'),

  route('POST', '/api/apps/:app/deploy', 'deployer', { stage: 'upload', approval: 'raises' }),
  route('DELETE', STAGE, 'deployer', changesStoredStage),
  route('POST', `${STAGE}/rollback`, 'deployer', changesStoredStage),
  route('POST', `${STAGE}/rollouts/:service/promote`, 'deployer', changesStoredStage),
  route('POST', `${STAGE}/rollouts/:service/pause`, 'deployer', changesStoredStage),
  route('POST', `${STAGE}/rollouts/:service/resume`, 'deployer', changesStoredStage),
  route('POST', `${STAGE}/rollouts/:service/abort`, 'deployer', changesStoredStage),
  // The target's profile comes from the manifest of the release being promoted (and the stage, if deployed).
  route('POST', `${STAGE}/promote`, 'deployer', { stage: 'release', approval: 'raises' }),
  route('POST', '/api/runs/:run/cancel', 'deployer'),
  route('POST', '/api/runs/:run/approve', 'approver'),
  route('POST', '/api/runs/:run/reject', 'approver'),
  // Calling a function releases nothing, so approval does not apply; --profiles does.
  route('POST', `${STAGE}/functions/:fn/invoke`, 'deployer', { stage: 'stored', approval: 'ignored' }),

  route('PUT', '/api/profiles/:profile/params/:name', 'admin', { profile: 'path' }),
  route('DELETE', '/api/profiles/:profile/params/:name', 'admin', { profile: 'path' }),
  route('PUT', '/api/profiles/:profile/secrets/:name', 'admin', { profile: 'path' }),
  route('DELETE', '/api/profiles/:profile/secrets/:name', 'admin', { profile: 'path' }),
  // A repository's runs deploy to every stage its branches map to.
  route('POST', '/api/repositories', 'admin', { everyProfile: true }),
  route('DELETE', '/api/repositories/:repo', 'admin', { everyProfile: true }),
  route('GET', '/api/tokens', 'admin', { everyProfile: true }),
  route('POST', '/api/tokens', 'admin', { everyProfile: true }),
  route('POST', '/api/tokens/:name/revoke', 'admin', { everyProfile: true }),
  // Re-encrypts every profile's secrets: not something a token limited to some profiles may do.
  route('POST', '/api/secrets/rotate-key', 'admin', { everyProfile: true }),
];

/** What a route not in the table needs: the most, so a route someone forgot to list is closed, not open. */
export const UNLISTED_ROUTE: RouteAccess = { method: 'GET', path: '*', role: 'admin', everyProfile: true };

export interface MatchedRoute {
  access: RouteAccess;
  params: Record<string, string>;
}

interface CompiledRoute {
  access: RouteAccess;
  pattern: RegExp;
  names: string[];
}

/** Finds the rule of a request; HEAD is a GET. Parameters come back decoded. */
export function matchRoute(method: string, path: string, table: readonly RouteAccess[] = ROUTE_ACCESS): MatchedRoute | undefined {
  const wanted = method === 'HEAD' ? 'GET' : method;
  for (const compiled of compile(table)) {
    if (compiled.access.method !== wanted) continue;
    const match = compiled.pattern.exec(path);
    if (!match) continue;
    const params: Record<string, string> = {};
    compiled.names.forEach((name, i) => {
      params[name] = safeDecode(match[i + 1]!);
    });
    return { access: compiled.access, params };
  }
  return undefined;
}

const compiledTables = new WeakMap<readonly RouteAccess[], CompiledRoute[]>();

function compile(table: readonly RouteAccess[]): CompiledRoute[] {
  let compiled = compiledTables.get(table);
  if (!compiled) {
    compiled = table.map((access) => {
      const names: string[] = [];
      const source = access.path.split('/').map((segment) => {
        if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(segment.slice(1));
        return '([^/]+)';
      }).join('/');
      return { access, names, pattern: new RegExp(`^${source}/?$`) };
    });
    compiledTables.set(table, compiled);
  }
  return compiled;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
