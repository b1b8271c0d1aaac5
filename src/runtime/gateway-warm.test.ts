// Warming a version before it gets traffic: POST /_sluice/warm starts a worker and loads the handler, so
// the first call a user makes is served by a worker that already ran the module's top level.
// Needs the built worker (npx tsc -p tsconfig.json) — see worker-file.ts.

import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, type GatewayHarness } from './testing/gateway-harness.js';

const APP = { app: 'shop', stage: 'dev', service: 'api' };
// The module's top level records when it was loaded; the handler answers with that time.
const CODE = `
const loadedAt = Date.now();
export const handler = async () => ({ statusCode: 200, body: JSON.stringify({ loadedAt }) });`;

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('warming versions before traffic', () => {
  it('loads a weight-0 version named by a match rule, and its first call is served by that warm worker', async () => {
    let newVersion = '';
    harness = await startTestGateway((store) => {
      const v1 = store.createVersion({ ...APP, function: 'f', code: CODE, config: { events: [{ type: 'http', method: 'GET', path: '/f' }] } });
      const v2 = store.createVersion({ ...APP, function: 'f', code: CODE + '\n// v2', config: { events: [{ type: 'http', method: 'GET', path: '/f' }] } });
      newVersion = v2.id;
      store.setLive(APP.app, APP.stage, APP.service, 'f', [{ versionId: v1.id, weight: 100 }, { versionId: v2.id, weight: 0 }], { match: [{ header: 'x-pin', value: 'p', versionId: v2.id }] });
    });
    const h = harness;
    const headers = { 'x-sluice-internal-token': h.token, 'content-type': 'application/json' };
    expect((await (await h.request('/_sluice/health')).json()).workers).toBe(0);
    const warmed = await h.request('/_sluice/warm', { method: 'POST', headers, body: JSON.stringify({ functions: [{ ...APP, function: 'f', versionId: newVersion }] }) });
    expect(await warmed.json()).toEqual({ warmed: 1 });
    expect((await (await h.request('/_sluice/health')).json()).workers).toBe(1);
    const before = Date.now();
    const first = await h.request('/shop/dev/api/f', { headers: { 'x-pin': 'p' } });
    expect(first.headers.get('x-sluice-version')).toBe('2');
    expect((await first.json()).loadedAt).toBeLessThanOrEqual(before);
  });

  it('answers warmed: 0 for a version that is not routed, and needs the internal token', async () => {
    harness = await startTestGateway();
    const body = JSON.stringify({ functions: [{ ...APP, function: 'nope', versionId: 'x' }] });
    const denied = await harness.request('/_sluice/warm', { method: 'POST', body });
    expect(denied.status).toBe(401);
    const answer = await harness.request('/_sluice/warm', { method: 'POST', headers: { 'x-sluice-internal-token': harness.token }, body });
    expect(await answer.json()).toEqual({ warmed: 0 });
  });
});
