// Compiles a RoutingSnapshot into what the gateway consults per request: services by `{app}/{stage}/{service}`,
// each with a router over its functions' `http` events, and per function the versions of its `live` alias
// compiled for selection (traffic-router.ts). Built whole at reload and swapped in one assignment, so a
// request sees one generation. A function routes to its versions with weight > 0 and to those its match
// rules name (at weight 0: reachable only through the rule); a version at weight 0 that no rule names has
// left the routing and its workers drain.
// Commit aliases (a preview's `/c/{sha7}/{app}/{stage}/{service}/…` URLs) compile the same way into a map of
// their own, consulted only for paths under `/c/`; a commit's version shares its pool with the same version
// served live (same pool key), and schedules and direct invokes see live functions only.
// Routes are registered most specific first (static segments before parameters before a greedy `{x+}`,
// a method before ANY) because hono's TrieRouter returns matches in registration order.

import { TrieRouter } from 'hono/router/trie-router';
import type { HttpEvent } from '../manifest/types.js';
import type { RoutedFunction, RoutedService, RoutingSnapshot, VersionRecord } from '../store/types.js';
import type { LogOrigin } from './invocation-logs.js';
import { compileTraffic, type TrafficPlan } from './traffic-router.js';

export interface VersionTarget {
  weight: number;
  version: VersionRecord;
  /** The `x-sluice-version` response header: the version number, as a string made once. */
  versionHeader: string;
  /** Who logs and metrics are attributed to; one object per target, reused for every invocation. */
  origin: LogOrigin;
  /** Identity of the worker pool serving this version on this stage. */
  poolKey: string;
}

export interface FunctionDeployment {
  /** `{app}/{stage}/{service}/{function}`: the unit of concurrency. */
  key: string;
  app: string;
  stage: string;
  service: string;
  function: string;
  /** Every version the function routes to (weighted ones first, then those only match rules reach). */
  targets: VersionTarget[];
  traffic: TrafficPlan;
  /** Its stage is a protected preview: HTTP requests need a Sluice token. */
  protected: boolean;
}

export interface RouteTarget {
  deployment: FunctionDeployment;
  /** API Gateway's route key, e.g. `GET /items/{id}`. */
  routeKey: string;
}

export interface RouteMatch {
  target: RouteTarget;
  /** Service-relative path, as received. */
  rawPath: string;
  pathParameters: Record<string, string> | null;
}

export type ServiceLookup =
  | { found: true; match: RouteMatch }
  /** `no-commit`: a `/c/{sha7}/…` path for which neither a commit alias nor an app named `c` answers. */
  | { found: false; reason: 'no-service' | 'no-route' | 'no-commit'; service?: string; commit?: string };

/** Static-route matches a RouteTable keeps (see RouteTable.lookup). */
const MAX_STATIC_MATCHES = 4096;

interface CompiledService {
  router: TrieRouter<RouteTarget>;
}

export function functionKey(app: string, stage: string, service: string, fn: string): string {
  return `${app}/${stage}/${service}/${fn}`;
}

export function versionTarget(app: string, stage: string, service: string, fn: string, weight: number, version: VersionRecord): VersionTarget {
  return {
    weight,
    version,
    versionHeader: String(version.number),
    origin: { app, stage, service, function: fn, versionId: version.id },
    poolKey: `${functionKey(app, stage, service, fn)}@${version.id}`,
  };
}

/** A function serving one version outside the routing (a direct invoke by version id). */
export function unroutedDeployment(app: string, stage: string, service: string, fn: string, version: VersionRecord): FunctionDeployment {
  const target = versionTarget(app, stage, service, fn, 0, version);
  return {
    key: functionKey(app, stage, service, fn),
    app,
    stage,
    service,
    function: fn,
    targets: [target],
    traffic: { weighted: [], totalWeight: 0, match: [], sticky: undefined },
    protected: false,
  };
}

/** Path syntax of API Gateway (`{id}`, `{proxy+}`) in hono's (`:id`, `:proxy{.+}`). */
export function toRouterPath(path: string): string {
  return path.replace(/\{([^}+]+)(\+?)\}/g, (_match, name: string, greedy: string) => (greedy ? `:${name}{.+}` : `:${name}`));
}

/** Sort key: one rank per segment (0 static, 1 parameter, 2 greedy), then ANY after a method. */
function specificity(event: HttpEvent): number[] {
  const ranks = event.path
    .split('/')
    .filter((s) => s !== '')
    .map((segment) => (/^\{[^}]+\+\}$/.test(segment) ? 2 : /^\{[^}]+\}$/.test(segment) ? 1 : 0));
  return [...ranks, 3, event.method === 'ANY' ? 1 : 0];
}

function compareSpecificity(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Index just past `/{app}/{stage}/{service}` where the path's `/{app}` starts at `start`; -1 when shorter. */
function serviceKeyEnd(pathname: string, start: number): number {
  const first = pathname.indexOf('/', start + 1);
  const second = first === -1 ? -1 : pathname.indexOf('/', first + 1);
  if (second === -1) return -1;
  const third = pathname.indexOf('/', second + 1);
  return third === -1 ? pathname.length : third;
}

/** `/c/` followed by 7 lower-case hex digits and a slash. */
function isCommitPath(pathname: string): boolean {
  if (pathname.length < 11 || pathname.charCodeAt(10) !== 47) return false;
  for (let i = 3; i < 10; i++) {
    const c = pathname.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

function matchRoute(service: CompiledService, method: string, rawPath: string, serviceKey: string): ServiceLookup {
  const [matches] = service.router.match(method, rawPath) as [Array<[RouteTarget, Record<string, string>]>];
  const first = matches[0];
  if (first === undefined) return { found: false, reason: 'no-route', service: serviceKey };
  const params = first[1];
  let pathParameters: Record<string, string> | null = null;
  for (const name in params) {
    pathParameters ??= {};
    pathParameters[name] = params[name];
  }
  return { found: true, match: { target: first[0], rawPath, pathParameters } };
}

export class RouteTable {
  readonly generation: number;
  /** Live functions by `{app}/{stage}/{service}/{function}`. */
  readonly functions = new Map<string, FunctionDeployment>();
  /** Functions as commits deployed them (commit aliases). */
  readonly commitFunctions: FunctionDeployment[] = [];
  /** Pool keys of every version routed to, live or by a commit alias. */
  readonly poolKeys = new Set<string>();
  private readonly services = new Map<string, CompiledService>();
  /** By `{sha7}/{app}/{stage}/{service}`. */
  private readonly commitServices = new Map<string, CompiledService>();
  /** Matches of routes without parameters, by method then pathname (see lookup()). */
  private readonly staticMatches = new Map<string, Map<string, ServiceLookup>>();
  private staticMatchCount = 0;

  constructor(snapshot: RoutingSnapshot) {
    this.generation = snapshot.generation;
    for (const routed of snapshot.services) {
      const serviceKey = `${routed.app}/${routed.stage}/${routed.service}`;
      this.services.set(serviceKey, this.compileService(routed, serviceKey, routed.functions, (deployment) => this.functions.set(deployment.key, deployment)));
      if (routed.commits === undefined) continue;
      for (const [sha, functions] of Object.entries(routed.commits)) {
        this.commitServices.set(`${sha}/${serviceKey}`, this.compileService(routed, serviceKey, functions, (deployment) => this.commitFunctions.push(deployment)));
      }
    }
  }

  private compileService(routed: RoutedService, serviceKey: string, functions: RoutedFunction[], add: (deployment: FunctionDeployment) => void): CompiledService {
    const routes: Array<{ event: HttpEvent; target: RouteTarget }> = [];
    for (const fn of functions) {
      const all = fn.targets.map((t) => versionTarget(routed.app, routed.stage, routed.service, fn.name, t.weight, t.version));
      // `?? {}`: a store written before rules existed still routes by weights alone.
      const traffic = compileTraffic(serviceKey, all, fn.rules ?? {});
      const matchOnly = all.filter((t) => t.weight <= 0 && traffic.match.some((m) => m.target === t));
      const targets = [...traffic.weighted, ...matchOnly];
      if (targets.length === 0) continue;
      const deployment: FunctionDeployment = {
        key: functionKey(routed.app, routed.stage, routed.service, fn.name),
        app: routed.app,
        stage: routed.stage,
        service: routed.service,
        function: fn.name,
        targets,
        traffic,
        protected: routed.protected === true,
      };
      add(deployment);
      for (const target of targets) this.poolKeys.add(target.poolKey);
      // Routes come from the versions' configs; during a canary two versions may declare different
      // events, and a route exists while any routed version declares it (a pinned call must reach a
      // route only the new version has; unpinned requests on it go to the weighted versions).
      const seen = new Set<string>();
      for (const target of targets) {
        for (const event of target.version.config.events) {
          if (event.type !== 'http') continue;
          const routeKey = `${event.method} ${event.path}`;
          if (seen.has(routeKey)) continue;
          seen.add(routeKey);
          routes.push({ event, target: { deployment, routeKey } });
        }
      }
    }
    routes.sort((a, b) => compareSpecificity(specificity(a.event), specificity(b.event)));
    const router = new TrieRouter<RouteTarget>();
    for (const { event, target } of routes) router.add(event.method === 'ANY' ? 'ALL' : event.method, toRouterPath(event.path), target);
    return { router };
  }

  /** Versions routed to (weighted, by a match rule or by a commit alias), counted once per stage. */
  get versionCount(): number {
    return this.poolKeys.size;
  }

  /** Every routed version target, live and of commits (a version may come twice). */
  *routedTargets(): Iterable<VersionTarget> {
    for (const deployment of this.functions.values()) yield* deployment.targets;
    for (const deployment of this.commitFunctions) yield* deployment.targets;
  }

  /**
   * Matches `/{app}/{stage}/{service}/rest…` (pathname without query), or `/c/{sha7}/{app}/{stage}/{service}/rest…`
   * for a commit. Only paths starting with `/c/` pay for the commit check; an app named `c` is served as
   * usual when no commit alias answers the path.
   */
  lookup(method: string, pathname: string): ServiceLookup {
    // A path that matched a route without parameters gets the same answer until the next generation: it is
    // kept and handed out again (callers do not change it), which spares the router on the hot path. Paths
    // with parameters are not kept, so the cache is bounded by the static routes (and a cap, for paths
    // that differ only in ways the router ignores).
    let byPath = this.staticMatches.get(method);
    const kept = byPath?.get(pathname);
    if (kept !== undefined) return kept;
    const lookup = pathname.startsWith('/c/') && isCommitPath(pathname) ? this.lookupCommit(method, pathname) : this.lookupLive(method, pathname);
    if (lookup.found && lookup.match.pathParameters === null && this.staticMatchCount < MAX_STATIC_MATCHES) {
      if (byPath === undefined) {
        byPath = new Map();
        this.staticMatches.set(method, byPath);
      }
      byPath.set(pathname, lookup);
      this.staticMatchCount++;
    }
    return lookup;
  }

  private lookupLive(method: string, pathname: string): ServiceLookup {
    const end = serviceKeyEnd(pathname, 0);
    if (end === -1) return { found: false, reason: 'no-service' };
    const serviceKey = pathname.slice(1, end);
    const service = this.services.get(serviceKey);
    if (service === undefined) return { found: false, reason: 'no-service', service: serviceKey };
    return matchRoute(service, method, end === pathname.length ? '/' : pathname.slice(end), serviceKey);
  }

  private lookupCommit(method: string, pathname: string): ServiceLookup {
    const commit = pathname.slice(3, 10);
    const end = serviceKeyEnd(pathname, 10);
    const serviceKey = end === -1 ? undefined : pathname.slice(11, end);
    const service = serviceKey === undefined ? undefined : this.commitServices.get(`${commit}/${serviceKey}`);
    if (service !== undefined) return matchRoute(service, method, end === pathname.length ? '/' : pathname.slice(end), serviceKey!);
    const live = this.lookupLive(method, pathname);
    if (live.found || live.reason !== 'no-service') return live;
    return { found: false, reason: 'no-commit', commit, service: serviceKey };
  }
}
