// Compiles a RoutingSnapshot into what the gateway consults per request: services by `{app}/{stage}/{service}`,
// each with a router over its functions' `http` events, and per function the versions of its `live` alias
// compiled for selection (traffic-router.ts). Built whole at reload and swapped in one assignment, so a
// request sees one generation. A function routes to its versions with weight > 0 and to those its match
// rules name (at weight 0: reachable only through the rule); a version at weight 0 that no rule names has
// left the routing and its workers drain.
// Routes are registered most specific first (static segments before parameters before a greedy `{x+}`,
// a method before ANY) because hono's TrieRouter returns matches in registration order.

import { TrieRouter } from 'hono/router/trie-router';
import type { HttpEvent } from '../manifest/types.js';
import type { RoutingSnapshot, VersionRecord } from '../store/types.js';
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
  | { found: false; reason: 'no-service' | 'no-route'; service?: string };

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

export class RouteTable {
  readonly generation: number;
  readonly functions = new Map<string, FunctionDeployment>();
  private readonly services = new Map<string, CompiledService>();

  constructor(snapshot: RoutingSnapshot) {
    this.generation = snapshot.generation;
    for (const routed of snapshot.services) {
      const routes: Array<{ event: HttpEvent; target: RouteTarget }> = [];
      const serviceKey = `${routed.app}/${routed.stage}/${routed.service}`;
      for (const fn of routed.functions) {
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
        };
        this.functions.set(deployment.key, deployment);
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
      this.services.set(serviceKey, { router });
    }
  }

  /** Versions routed to (weighted or by a match rule), counted once per stage. */
  get versionCount(): number {
    let count = 0;
    for (const deployment of this.functions.values()) count += deployment.targets.length;
    return count;
  }

  /** Matches `/{app}/{stage}/{service}/rest…` (pathname without query). */
  lookup(method: string, pathname: string): ServiceLookup {
    const first = pathname.indexOf('/', 1);
    const second = first === -1 ? -1 : pathname.indexOf('/', first + 1);
    if (second === -1) return { found: false, reason: 'no-service' };
    const third = pathname.indexOf('/', second + 1);
    const serviceKey = third === -1 ? pathname.slice(1) : pathname.slice(1, third);
    const service = this.services.get(serviceKey);
    if (service === undefined) return { found: false, reason: 'no-service', service: serviceKey };
    const rawPath = third === -1 ? '/' : pathname.slice(third);
    const [matches] = service.router.match(method, rawPath) as [Array<[RouteTarget, Record<string, string>]>];
    const first_ = matches[0];
    if (first_ === undefined) return { found: false, reason: 'no-route', service: serviceKey };
    const params = first_[1];
    let pathParameters: Record<string, string> | null = null;
    for (const name in params) {
      pathParameters ??= {};
      pathParameters[name] = params[name];
    }
    return { found: true, match: { target: first_[0], rawPath, pathParameters } };
  }
}
