import { describe, expect, it } from 'vitest';
import type { HttpEvent } from '../manifest/types.js';
import type { RoutingSnapshot, VersionRecord } from '../store/types.js';
import { pickTarget, RouteTable, toRouterPath } from './route-table.js';
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
          { name: 'catchAll', targets: [{ weight: 100, version: version('catchAll', 'v-all', [['ANY', '/{proxy+}']]) }] },
          { name: 'getItem', targets: [{ weight: 100, version: version('getItem', 'v-get', [['GET', '/items/{id}']]) }] },
          { name: 'special', targets: [{ weight: 100, version: version('special', 'v-special', [['GET', '/items/special']]) }] },
          { name: 'anyItem', targets: [{ weight: 100, version: version('anyItem', 'v-any', [['ANY', '/items/{id}']]) }] },
          { name: 'root', targets: [{ weight: 100, version: version('root', 'v-root', [['GET', '/']]) }] },
          { name: 'files', targets: [{ weight: 100, version: version('files', 'v-files', [['GET', '/files/{path+}']]) }] },
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

  it('converts API Gateway path syntax', () => {
    expect(toRouterPath('/items/{id}/parts/{proxy+}')).toBe('/items/:id/parts/:proxy{.+}');
  });

  it('picks versions by weight', () => {
    const deployment = {
      key: 'k', app: 'a', stage: 's', service: 'x', function: 'f', totalWeight: 100,
      targets: [
        { weight: 90, version: version('f', 'old', []), poolKey: 'old', origin: { app: 'a', stage: 's', service: 'x', function: 'f', versionId: 'old' } },
        { weight: 10, version: version('f', 'new', []), poolKey: 'new', origin: { app: 'a', stage: 's', service: 'x', function: 'f', versionId: 'new' } },
      ],
    };
    expect(pickTarget(deployment, () => 0).version.id).toBe('old');
    expect(pickTarget(deployment, () => 0.899).version.id).toBe('old');
    expect(pickTarget(deployment, () => 0.9).version.id).toBe('new');
    expect(pickTarget(deployment, () => 0.999999).version.id).toBe('new');
  });
});
