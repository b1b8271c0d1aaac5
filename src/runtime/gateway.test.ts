// Gateway integration tests: real server on a free port, real worker threads, in-memory store.
// Needs the built worker (npx tsc -p tsconfig.json) — see worker-file.ts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type GatewayHarness } from './testing/gateway-harness.js';

const APP = { app: 'shop', stage: 'dev', service: 'api' };

const ECHO = `
export const handler = async (event, context) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ event, context: {
    awsRequestId: context.awsRequestId, functionName: context.functionName, functionVersion: context.functionVersion,
    invokedFunctionArn: context.invokedFunctionArn, memoryLimitInMB: context.memoryLimitInMB, logGroupName: context.logGroupName,
    logStreamName: context.logStreamName, remaining: context.getRemainingTimeInMillis(),
    callbackWaitsForEmptyEventLoop: context.callbackWaitsForEmptyEventLoop,
  }, env: {
    GREETING: process.env.GREETING, API_KEY: process.env.API_KEY, AWS_LAMBDA_FUNCTION_NAME: process.env.AWS_LAMBDA_FUNCTION_NAME,
    AWS_LAMBDA_FUNCTION_VERSION: process.env.AWS_LAMBDA_FUNCTION_VERSION, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    AWS_REGION: process.env.AWS_REGION, SLUICE_APP: process.env.SLUICE_APP, SLUICE_STAGE: process.env.SLUICE_STAGE, SLUICE_SERVICE: process.env.SLUICE_SERVICE,
    SLUICE_MASTER_KEY: process.env.SLUICE_MASTER_KEY ?? null,
  } }),
});`;

const RESPOND = `
export const handler = async (event) => {
  const body = event.body === undefined ? {} : JSON.parse(event.body);
  return body.result;
};`;

const BINARY = `
export const handler = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/octet-stream' },
  cookies: ['session=abc; Path=/; HttpOnly', 'theme=dark'],
  body: Buffer.from(Buffer.from(event.body, 'base64').reverse()).toString('base64'),
  isBase64Encoded: true,
});`;

const CALLBACK = `
export function handler(event, context, callback) {
  setTimeout(() => callback(null, { statusCode: 202, body: 'via callback ' + event.rawPath }), 5);
}
export function failing(event, context, callback) {
  callback(new Error('callback failure'));
}`;

const LOGGER = `
export const handler = async (event, context) => {
  console.log('hello from', context.awsRequestId);
  console.error('an error line');
  console.warn('a warning', { n: 1 });
  process.stdout.write('raw stdout\\n');
  await new Promise((resolve) => setTimeout(resolve, 5));
  console.info('after await');
  return { statusCode: 200, body: context.awsRequestId };
};`;

function http(method: string, path: string) {
  return { type: 'http' as const, method: method as 'GET', path };
}

describe('gateway', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startTestGateway((store) => {
      store.publish({
        ...APP,
        function: 'echo',
        code: ECHO,
        config: { memory: 192, environment: { GREETING: 'hi' }, secretEnvironment: { API_KEY: 'enc:s3cret' }, events: [http('ANY', '/echo/{proxy+}'), http('GET', '/items/{id}')] },
      });
      store.publish({ ...APP, function: 'respond', code: RESPOND, config: { events: [http('POST', '/respond')] } });
      store.publish({ ...APP, function: 'binary', code: BINARY, config: { events: [http('POST', '/binary')] } });
      store.publish({ ...APP, function: 'callback', code: CALLBACK, config: { events: [http('GET', '/callback')] } });
      store.publish({ ...APP, function: 'callbackError', code: CALLBACK, config: { handlerExport: 'failing', events: [http('GET', '/callback-error')] } });
      store.publish({ ...APP, function: 'logger', code: LOGGER, config: { events: [http('GET', '/logger')] } });
      store.publish({ ...APP, function: 'badExport', code: 'export const other = async () => 1;', config: { handlerExport: 'handler', events: [http('GET', '/bad-export')] } });
      store.publish({ ...APP, function: 'badModule', code: 'throw new Error("init exploded");', config: { events: [http('GET', '/bad-module')] } });
      const lost = store.publish({ ...APP, function: 'lost', code: 'export const handler = async () => "lost bundle";', config: { events: [http('GET', '/lost')] } });
      store.artifacts.delete(lost.codeHash);
    });
  });
  afterAll(() => h?.close());

  it('gives the handler a complete HTTP API v2.0 event, Lambda context and environment', async () => {
    const response = await h.request('/shop/dev/api/items/a%20b?x=1&x=2&q=%E2%9C%93', { headers: { 'X-Custom': 'yes', cookie: 'a=1; b=2' } });
    expect(response.status).toBe(200);
    const { event, context, env } = await response.json();
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /items/{id}',
      rawPath: '/items/a%20b',
      rawQueryString: 'x=1&x=2&q=%E2%9C%93',
      cookies: ['a=1', 'b=2'],
      queryStringParameters: { x: '1,2', q: '✓' },
      pathParameters: { id: 'a b' },
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: 'shop-dev-api',
        http: { method: 'GET', path: '/items/a%20b', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
        routeKey: 'GET /items/{id}',
        stage: 'dev',
      },
    });
    expect(event.headers['x-custom']).toBe('yes');
    expect(event.headers).not.toHaveProperty('cookie');
    expect(event.requestContext.domainName).toBe(new URL(h.url).host);
    expect(event.requestContext.requestId).toBe(context.awsRequestId);
    expect(event.requestContext.time).toMatch(/^\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    expect(typeof event.requestContext.timeEpoch).toBe('number');
    expect(response.headers.get('x-sluice-request-id')).toBe(context.awsRequestId);

    expect(context).toMatchObject({
      functionName: 'shop-dev-api-echo',
      functionVersion: '1',
      invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:shop-dev-api-echo:live',
      memoryLimitInMB: '192',
      logGroupName: '/aws/lambda/shop-dev-api-echo',
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.logStreamName).toMatch(/^\d{4}\/\d\d\/\d\d\/\[1\]/);
    expect(context.remaining).toBeGreaterThan(0);
    expect(context.remaining).toBeLessThanOrEqual(6000);

    expect(env).toEqual({
      GREETING: 'hi',
      API_KEY: 's3cret',
      AWS_LAMBDA_FUNCTION_NAME: 'shop-dev-api-echo',
      AWS_LAMBDA_FUNCTION_VERSION: '1',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '192',
      AWS_REGION: 'local',
      SLUICE_APP: 'shop',
      SLUICE_STAGE: 'dev',
      SLUICE_SERVICE: 'api',
      SLUICE_MASTER_KEY: null,
    });
  });

  it('passes the greedy path as {proxy+} and a text body as text', async () => {
    const response = await h.request('/shop/dev/api/echo/a/b/c', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"x":1}' });
    const { event } = await response.json();
    expect(event).toMatchObject({ routeKey: 'ANY /echo/{proxy+}', pathParameters: { proxy: 'a/b/c' }, body: '{"x":1}', isBase64Encoded: false });
    expect(event.requestContext.http.method).toBe('PUT');
  });

  it('round-trips binary bodies as base64 and sends cookies as set-cookie', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const response = await h.request('/shop/dev/api/binary', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(Buffer.from([255, 250, 2, 1, 0]));
    expect(response.headers.getSetCookie()).toEqual(['session=abc; Path=/; HttpOnly', 'theme=dark']);
  });

  it('sends structured responses as given and other values as 200 JSON', async () => {
    const post = (result: unknown) => h.request('/shop/dev/api/respond', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ result }) });

    const structured = await post({ statusCode: 418, headers: { 'content-type': 'text/plain', 'x-teapot': 1 }, body: 'short and stout' });
    expect(structured.status).toBe(418);
    expect(structured.headers.get('x-teapot')).toBe('1');
    expect(await structured.text()).toBe('short and stout');

    const object = await post({ items: [1, 2] });
    expect(object.status).toBe(200);
    expect(object.headers.get('content-type')).toBe('application/json');
    expect(await object.json()).toEqual({ items: [1, 2] });

    const text = await post('plain words');
    expect(await text.text()).toBe('plain words');
    const nothing = await post(undefined);
    expect(await nothing.text()).toBe('null');
  });

  it('answers 502 with a clear error for malformed results, and logs it', async () => {
    const post = (result: unknown) => h.request('/shop/dev/api/respond', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ result }) });
    for (const [result, message] of [
      [{ statusCode: 'ok' }, /statusCode must be an integer from 100 to 599/],
      [{ statusCode: 700 }, /statusCode must be an integer/],
      [{ statusCode: 200, body: { nested: true } }, /body must be a string/],
      [{ statusCode: 200, headers: { 'bad header': 'x' } }, /header/],
    ] as const) {
      const response = await post(result);
      expect(response.status).toBe(502);
      const body = await response.json();
      expect(body.code).toBe('INVOKE_FAILED');
      expect(body.message).toMatch(message);
      expect(body.hint).toMatch(/statusCode/);
    }
    await h.store.waitUntil(() => h.store.logs.find((l) => l.level === 'system' && /statusCode must be an integer/.test(l.message)));
  });

  it('runs callback handlers', async () => {
    const ok = await h.request('/shop/dev/api/callback');
    expect(ok.status).toBe(202);
    expect(await ok.text()).toBe('via callback /callback');
    const failed = await h.request('/shop/dev/api/callback-error');
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('answers 502 naming the cause when a bundle cannot start', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/bad-export', /Runtime.HandlerNotFound: The bundle does not export a function named "handler" \(exports: other\)/],
      ['/bad-module', /init exploded/],
      ['/lost', /Sluice.ArtifactUnavailable: The bundle \w+ is missing from the store/],
    ];
    for (const [path, message] of cases) {
      const response = await h.request(`/shop/dev/api${path}`);
      expect(response.status).toBe(502);
      expect((await response.json()).message).toMatch(message);
    }
    expect((await h.request('/shop/dev/api/callback')).status).toBe(202);
  });

  it('answers unknown routes with 404 {code, message, hint}', async () => {
    for (const path of ['/shop/dev/nothing/here', '/shop/dev/api/nope', '/']) {
      const response = await h.request(path);
      expect(response.status).toBe(404);
      const body = await response.json();
      expect(body).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(path), hint: expect.any(String) });
    }
  });

  it('refuses bodies over 6 MB with 413', async () => {
    const response = await h.request('/shop/dev/api/respond', { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(6 * 1024 * 1024 + 1) });
    expect(response.status).toBe(413);
    expect((await response.json()).code).toBe('INVALID_BODY');
  });

  it('captures console output and stdout writes with the request id, in batched writes', async () => {
    const writesBefore = h.store.writes.appendLogs;
    const responses = await Promise.all([1, 2, 3].map(() => h.request('/shop/dev/api/logger')));
    const ids = await Promise.all(responses.map((r) => r.text()));
    const linesOf = (id: string) => h.store.logs.filter((l) => l.requestId === id);
    await h.store.waitUntil(() => ids.every((id) => linesOf(id).length === 5) || undefined);
    for (const id of ids) {
      expect(linesOf(id).map((l) => [l.level, l.message])).toEqual([
        ['log', `hello from ${id}`],
        ['error', 'an error line'],
        ['warn', 'a warning { n: 1 }'],
        ['log', 'raw stdout'],
        ['info', 'after await'],
      ]);
      expect(linesOf(id)[0]).toMatchObject({ app: 'shop', stage: 'dev', service: 'api', function: 'logger' });
    }
    expect(h.store.writes.appendLogs - writesBefore).toBeLessThan(15);
  });

  it('records metrics per version and second', async () => {
    const before = sumMetrics(h, 'callback');
    await Promise.all([1, 2, 3].map(() => h.request('/shop/dev/api/callback')));
    const after = await h.store.waitUntil(() => {
      const now = sumMetrics(h, 'callback');
      return now.invocations - before.invocations >= 3 ? now : undefined;
    });
    expect(after.invocations - before.invocations).toBe(3);
    expect(after.errors).toBe(before.errors);
    expect(after.histogram - before.histogram).toBe(3);
    expect(after.durationSumMs).toBeGreaterThan(before.durationSumMs);
    const errorsBefore = sumMetrics(h, 'callbackError').errors;
    await h.request('/shop/dev/api/callback-error');
    await h.store.waitUntil(() => sumMetrics(h, 'callbackError').errors > errorsBefore || undefined);
  });
});

function sumMetrics(h: GatewayHarness, fn: string) {
  const samples = h.store.metrics.filter((m) => m.function === fn);
  return {
    invocations: samples.reduce((n, s) => n + s.invocations, 0),
    errors: samples.reduce((n, s) => n + s.errors, 0),
    durationSumMs: samples.reduce((n, s) => n + s.durationSumMs, 0),
    histogram: samples.reduce((n, s) => n + s.durationHistogram.reduce((a, b) => a + b, 0), 0),
  };
}
