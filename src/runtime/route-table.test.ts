import { describe, expect, it } from 'vitest';
import type { HttpEvent } from '../manifest/types.js';
import type { RoutingSnapshot, VersionRecord } from '../store/types.js';
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
    const services = (fns: RoutingSnapshot['services'][number]['functions']): RoutingSnapshot => ({ generation: 1, services: [{ app: 'shop', stage: 'dev', service: 'api', functions: fns }] });
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

  it('converts API Gateway path syntax', () => {
    expect(toRouterPath('/items/{id}/parts/{proxy+}')).toBe('/items/:id/parts/:proxy{.+}');
  });
});
