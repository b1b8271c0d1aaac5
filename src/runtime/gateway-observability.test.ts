// The gateway's Prometheus endpoint, its log filter (secret masking per invocation) and the master key
// endpoint, through a real gateway. Needs the built worker (npx tsc -p tsconfig.json) — see worker-file.ts.

import { afterEach, describe, expect, it } from 'vitest';
import { createMaskingStream, SECRET_MASK, SecretMasker } from '../secrets/index.js';
import { startTestGateway, type GatewayHarness } from './testing/gateway-harness.js';

const APP = { app: 'shop', stage: 'dev', service: 'api' };
const SECRET = 'pk_test_9c1e55aa0b7d';

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const handler = `
export const handler = async (event) => {
  if (event.rawPath.endsWith('/fail')) throw new Error('boom');
  const secret = ${JSON.stringify(SECRET)};
  console.log(secret.slice(0, 5));
  console.log(secret.slice(5));
  console.log('b64', Buffer.from(secret).toString('base64'));
  console.log('raw', secret);
  return { statusCode: 200, body: 'ok' };
};`;

async function start(options: Parameters<typeof startTestGateway>[1] = {}): Promise<GatewayHarness> {
  harness = await startTestGateway(
    (store) => store.publish({ ...APP, function: 'f', code: handler, config: { events: [{ type: 'http', method: 'GET', path: '/{proxy+}' }] } }),
    options,
  );
  return harness;
}

describe('gateway metrics', () => {
  it('counts responses, invocations, errors and durations per version, behind the internal token', async () => {
    const h = await start();
    expect((await h.request('/shop/dev/api/ok')).status).toBe(200);
    expect((await h.request('/shop/dev/api/ok')).status).toBe(200);
    expect((await h.request('/shop/dev/api/fail')).status).toBe(500);
    expect((await h.request('/nowhere')).status).toBe(404);

    expect((await h.request('/_sluice/metrics')).status).toBe(401);
    const response = await h.request('/_sluice/metrics', { headers: { 'x-sluice-internal-token': h.token } });
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    const labels = 'app="shop",stage="dev",service="api",function="f",version="1"';
    expect(text).toContain(`sluice_function_invocations_total{${labels}} 3`);
    expect(text).toContain(`sluice_function_errors_total{${labels}} 1`);
    expect(text).toContain(`sluice_function_duration_seconds_count{${labels}} 3`);
    expect(text).toContain('sluice_gateway_requests_total{status="200"} 2');
    expect(text).toContain('sluice_gateway_requests_total{status="500"} 1');
    expect(text).toContain('sluice_gateway_requests_total{status="404"} 1');
    expect(text).toMatch(/^sluice_gateway_workers [1-9]/m);
    expect(text).toContain('sluice_gateway_process_resident_memory_bytes');
    expect(text).not.toMatch(/^process_cpu/m);
  });
});

describe('gateway log filter', () => {
  it('masks a secret split across console.log calls, base64-encoded or raw, before logs are stored', async () => {
    const masker = new SecretMasker([SECRET]);
    const h = await start({ logFilter: { open: (emit) => createMaskingStream(masker, emit) } });
    expect((await h.request('/shop/dev/api/ok')).status).toBe(200);
    const lines = await h.store.waitUntil(() => {
      const found = h.store.logs.filter((l) => l.level === 'log');
      return found.length === 4 ? found : undefined;
    });
    expect(lines.map((l) => l.message)).toEqual([SECRET_MASK, SECRET_MASK, `b64 ${SECRET_MASK}`, `raw ${SECRET_MASK}`]);
    expect(new Set(lines.map((l) => l.requestId)).size).toBe(1);
  });
});

describe('master key endpoint', () => {
  it('hands the new key over and reports the key in use; absent without a handler', async () => {
    let keyId = 'old-key';
    const received: string[] = [];
    const h = await start({
      keyId: () => keyId,
      rotateKey: async (key) => {
        received.push(key);
        keyId = 'new-key';
      },
    });
    expect((await (await h.request('/_sluice/health')).json()).keyId).toBe('old-key');
    const headers = { 'x-sluice-internal-token': h.token, 'content-type': 'application/json' };
    const rotated = await h.request('/_sluice/rotate-key', { method: 'POST', headers, body: JSON.stringify({ key: 'ab'.repeat(32) }) });
    expect(await rotated.json()).toEqual({ generation: 1, keyId: 'new-key' });
    expect(received).toEqual(['ab'.repeat(32)]);
    expect((await h.request('/_sluice/rotate-key', { method: 'POST', headers, body: '{}' })).status).toBe(400);
    expect((await h.request('/_sluice/rotate-key', { method: 'POST', body: '{}' })).status).toBe(401);

    await harness!.close();
    const bare = await start();
    expect((await bare.request('/_sluice/rotate-key', { method: 'POST', headers: { 'x-sluice-internal-token': bare.token }, body: '{}' })).status).toBe(404);
  });
});
