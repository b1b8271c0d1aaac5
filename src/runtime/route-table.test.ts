import { describe, expect, it } from 'vitest';
import type { HttpEvent } from '../manifest/types.js';
import type { RoutedFunction, RoutedService, RoutingSnapshot, VersionRecord } from '../store/types.js';
import { RouteTable, toRouterPath } from './route-table.js';
import { functionConfig } from './testing/memory-runtime-store.js';

function version(fn: string, id: string, routes: Array<[HttpEvent['method'], string]>): VersionRecord {
  return {
    id,
    app: 'shop',
    service: 'api',
    function: fn,
    number: 1,
    codeHash: `hash-${id}`,
    config: functionConfig({ events: routes.map(([method, path]) => ({ type: 'http', method, path })) }),
    createdAt: 0,
  };
}

function table(): RouteTable {
  const snapshot: RoutingSnapshot = {
    generation: 7,
    services: [
      {
        app: 'shop',
        stage: 'dev',
        service: 'api',
        functions: [
          { name: 'catchAll', targets: [{ weight: 100, version: version('catchAll', 'v-all', [['ANY', '/{proxy+}']]) }], rules: {} },
          { name: 'getItem', targets: [{ weight: 100, version: version('getItem', 'v-get', [['GET', '/items/{id}']]) }], rules: {} },
          { name: 'special', targets: [{ weight: 100, version: version('special', 'v-special', [['GET', '/items/special']]) }], rules: {} },
          { name: 'anyItem', targets: [{ weight: 100, version: version('anyItem', 'v-any', [['ANY', '/items/{id}']]) }], rules: {} },
          { name: 'root', targets: [{ weight: 100, version: version('root', 'v-root', [['GET', '/']]) }], rules: {} },
          { name: 'files', targets: [{ weight: 100, version: version('files', 'v-files', [['GET', '/files/{path+}']]) }], rules: {} },
        ],
        protected: false,
      },
    ],
  };
  return new RouteTable(snapshot);
}

function routed(method: string, path: string) {
  const lookup = table().lookup(method, path);
  return lookup.found ? { fn: lookup.match.target.deployment.function, routeKey: lookup.match.target.routeKey, rawPath: lookup.match.rawPath, params: lookup.match.pathParameters } : lookup.reason;
}

describe('RouteTable', () => {
  it('prefers static segments, then parameters, then greedy paths, and a method over ANY', () => {
    expect(routed('GET', '/shop/dev/api/items/special')).toMatchObject({ fn: 'special', params: null });
    expect(routed('GET', '/shop/dev/api/items/42')).toMatchObject({ fn: 'getItem', routeKey: 'GET /items/{id}', params: { id: '42' } });
    expect(routed('DELETE', '/shop/dev/api/items/42')).toMatchObject({ fn: 'anyItem', routeKey: 'ANY /items/{id}' });
    expect(routed('POST', '/shop/dev/api/files/a/b')).toMatchObject({ fn: 'catchAll', params: { proxy: 'files/a/b' } });
    expect(routed('GET', '/shop/dev/api/files/a/b.txt')).toMatchObject({ fn: 'files', params: { path: 'a/b.txt' } });
    expect(routed('PATCH', '/shop/dev/api/x/y/z')).toMatchObject({ fn: 'catchAll', routeKey: 'ANY /{proxy+}', rawPath: '/x/y/z', params: { proxy: 'x/y/z' } });
  });

  it('maps the service root to /', () => {
    expect(routed('GET', '/shop/dev/api')).toMatchObject({ fn: 'root', rawPath: '/' });
    expect(routed('GET', '/shop/dev/api/')).toMatchObject({ fn: 'root', rawPath: '/' });
  });

  it('tells an unknown service from an unknown route', () => {
    expect(routed('GET', '/shop/prod/api/items/1')).toBe('no-service');
    expect(routed('GET', '/shop')).toBe('no-service');
    expect(routed('POST', '/shop/dev/api')).toBe('no-route');
  });

  it('routes to weighted versions and to weight-0 versions a match rule names, and drops other weight-0 versions', () => {
    const old = { ...version('f', 'v-old', [['GET', '/items']]), number: 1 };
    const next = { ...version('f', 'v-new', [['GET', '/items'], ['GET', '/items/new-route']]), number: 2 };
    const gone = { ...version('f', 'v-gone', [['GET', '/gone']]), number: 3 };
    const services = (fns: RoutingSnapshot['services'][number]['functions']): RoutingSnapshot => ({ generation: 1, services: [{ app: 'shop', stage: 'dev', service: 'api', functions: fns, protected: false }] });
    const pinned = new RouteTable(
      services([
        {
          name: 'f',
          targets: [{ weight: 100, version: old }, { weight: 0, version: next }, { weight: 0, version: gone }],
          rules: { match: [{ header: 'X-Sluice-Pin', value: 't', versionId: 'v-new' }] },
        },
      ]),
    );
    const deployment = pinned.functions.get('shop/dev/api/f')!;
    expect(deployment.targets.map((t) => t.version.id)).toEqual(['v-old', 'v-new']);
    expect(deployment.traffic.weighted.map((t) => t.version.id)).toEqual(['v-old']);
    expect(deployment.traffic.match).toMatchObject([{ header: 'x-sluice-pin', value: 't', target: { version: { id: 'v-new' } } }]);
    expect(pinned.versionCount).toBe(2);
    expect(pinned.lookup('GET', '/shop/dev/api/items/new-route').found).toBe(true);
    expect(pinned.lookup('GET', '/shop/dev/api/gone').found).toBe(false);

    const unrouted = new RouteTable(services([{ name: 'f', targets: [{ weight: 0, version: old }], rules: {} }]));
    expect(unrouted.functions.size).toBe(0);
  });

  it('answers a repeated lookup as the first time: static matches kept per method, parameters matched anew', () => {
    const routes = table();
    for (let round = 0; round < 2; round++) {
      const special = routes.lookup('GET', '/shop/dev/api/items/special');
      expect(special.found && special.match.target.deployment.function).toBe('special');
      const other = routes.lookup('DELETE', '/shop/dev/api/items/special');
      expect(other.found && other.match.target.deployment.function).toBe('anyItem');
      const item = routes.lookup('GET', `/shop/dev/api/items/${round}`);
      expect(item.found && item.match.pathParameters).toEqual({ id: String(round) });
      expect(routes.lookup('POST', '/shop/dev/api').found).toBe(false);
    }
    expect(routes.lookup('GET', '/shop/dev/api/items/special')).toBe(routes.lookup('GET', '/shop/dev/api/items/special'));
  });

  it('converts API Gateway path syntax', () => {
    expect(toRouterPath('/items/{id}/parts/{proxy+}')).toBe('/items/:id/parts/:proxy{.+}');
  });
});

describe('RouteTable commit routes and protection', () => {
  const v1 = { ...version('f', 'v-1', [['GET', '/v']]), number: 1 };
  const v2 = { ...version('f', 'v-2', [['GET', '/v'], ['GET', '/only-v2']]), number: 2 };
  const g1 = { ...version('g', 'g-1', [['GET', '/g']]), number: 1 };
  const routedFn = (name: string, v: VersionRecord): RoutedFunction => ({ name, targets: [{ weight: 100, version: v }], rules: {} });
  const api = (overrides: Partial<RoutedService> = {}): RoutedService => ({
    app: 'shop', stage: 'pr-1', service: 'api', functions: [routedFn('f', v2), routedFn('g', g1)], protected: false,
    commits: { aaaaaaa: [routedFn('f', v1), routedFn('g', g1)], bbbbbbb: [routedFn('f', v2)] },
    ...overrides,
  });
  const served = (table: RouteTable, path: string) => {
    const lookup = table.lookup('GET', path);
    return lookup.found ? `${lookup.match.target.deployment.function}@${lookup.match.target.deployment.targets.map((t) => t.version.id).join('+')} ${lookup.match.rawPath}` : lookup;
  };

  it('routes /c/{sha7}/… to the versions of the commit and everything else to live', () => {
    const table = new RouteTable({ generation: 1, services: [api()] });
    expect(served(table, '/c/aaaaaaa/shop/pr-1/api/v')).toBe('f@v-1 /v');
    expect(served(table, '/c/aaaaaaa/shop/pr-1/api/g')).toBe('g@g-1 /g');
    expect(served(table, '/c/bbbbbbb/shop/pr-1/api/only-v2')).toBe('f@v-2 /only-v2');
    expect(served(table, '/shop/pr-1/api/v')).toBe('f@v-2 /v');
    // A route the commit's version does not declare.
    expect(served(table, '/c/aaaaaaa/shop/pr-1/api/only-v2')).toEqual({ found: false, reason: 'no-route', service: 'shop/pr-1/api' });
    expect(served(table, '/c/bbbbbbb/shop/pr-1/api/g')).toMatchObject({ found: false, reason: 'no-route' });
  });

  it('tells an unknown commit apart, at any depth of the path', () => {
    const table = new RouteTable({ generation: 1, services: [api()] });
    expect(served(table, '/c/ccccccc/shop/pr-1/api/v')).toEqual({ found: false, reason: 'no-commit', commit: 'ccccccc', service: 'shop/pr-1/api' });
    expect(served(table, '/c/aaaaaaa/shop/prod/api/v')).toMatchObject({ found: false, reason: 'no-commit', commit: 'aaaaaaa', service: 'shop/prod/api' });
    expect(served(table, '/c/aaaaaaa/shop')).toMatchObject({ found: false, reason: 'no-commit', commit: 'aaaaaaa' });
    // Not 7 lower-case hex digits: not a commit path.
    expect(served(table, '/c/AAAAAAA/shop/pr-1/api/v')).toMatchObject({ found: false, reason: 'no-service' });
    expect(served(table, '/c/aaaaaa/shop/pr-1/api/v')).toMatchObject({ found: false, reason: 'no-service' });
  });

  it('keeps serving an app named c when no commit alias matches the path', () => {
    const appC = (stage: string): RoutedService => ({ app: 'c', stage, service: 'api', functions: [routedFn('f', v1)], protected: false });
    const table = new RouteTable({ generation: 1, services: [api(), appC('dev'), appC('deadbee')] });
    expect(served(table, '/c/dev/api/v')).toBe('f@v-1 /v');
    // Its stage looks like a sha, and no commit deadbee of a service `api/v/…` exists.
    expect(served(table, '/c/deadbee/api/v')).toBe('f@v-1 /v');
    expect(served(table, '/c/deadbee/api/missing')).toMatchObject({ found: false, reason: 'no-route', service: 'c/deadbee/api' });
  });

  it('keeps commit functions out of the live functions, and shares pools with live versions', () => {
    const table = new RouteTable({ generation: 1, services: [api()] });
    expect([...table.functions.keys()]).toEqual(['shop/pr-1/api/f', 'shop/pr-1/api/g']);
    expect(table.functions.get('shop/pr-1/api/f')!.targets.map((t) => t.version.id)).toEqual(['v-2']);
    expect(table.commitFunctions.map((d) => `${d.function}@${d.targets[0].version.id}`)).toEqual(['f@v-1', 'g@g-1', 'f@v-2']);
    expect(table.commitFunctions[0].key).toBe('shop/pr-1/api/f');
    // v-2 and g-1 are routed live and by commits: one pool each; v-1 only by a commit.
    expect([...table.poolKeys].sort()).toEqual(['shop/pr-1/api/f@v-1', 'shop/pr-1/api/f@v-2', 'shop/pr-1/api/g@g-1']);
    expect(table.versionCount).toBe(3);
    expect([...table.routedTargets()].map((t) => t.version.id)).toEqual(['v-2', 'g-1', 'v-1', 'g-1', 'v-2']);
  });

  it('marks every function of a protected service, live and of commits', () => {
    const table = new RouteTable({ generation: 1, services: [api({ protected: true }), api({ stage: 'dev', commits: undefined })] });
    const protectedOf = (path: string) => {
      const lookup = table.lookup('GET', path);
      return lookup.found ? lookup.match.target.deployment.protected : lookup;
    };
    expect(protectedOf('/shop/pr-1/api/v')).toBe(true);
    expect(protectedOf('/c/aaaaaaa/shop/pr-1/api/v')).toBe(true);
    expect(protectedOf('/shop/dev/api/v')).toBe(false);
    expect(protectedOf('/c/aaaaaaa/shop/dev/api/v')).toMatchObject({ reason: 'no-commit' });
  });
});
