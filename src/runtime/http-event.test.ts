import { describe, expect, it } from 'vitest';
import { buildHttpEvent, formatRequestTime, isTextContentType, parseQueryString } from './http-event.js';
import type { HttpRequestPayload } from './worker-protocol.js';

function request(overrides: Partial<HttpRequestPayload> = {}): HttpRequestPayload {
  return {
    kind: 'http',
    method: 'GET',
    rawPath: '/items/a%20b',
    rawQueryString: 'x=1&y=two&x=3&empty=&flag&sp=a+b%21',
    rawHeaders: ['Host', 'localhost:4601', 'User-Agent', 'curl/8', 'X-Multi', 'a', 'x-multi', 'b', 'Cookie', 'a=1; b=2', 'cookie', 'c=3'],
    body: null,
    routeKey: 'GET /items/{id}',
    pathParameters: { id: 'a%20b' },
    sourceIp: '10.0.0.7',
    protocol: 'HTTP/1.1',
    timeEpoch: Date.UTC(2020, 2, 12, 19, 3, 58),
    ...overrides,
  };
}

const context = { requestId: 'req-1', stage: 'dev', apiId: 'shop-dev-api' };

describe('buildHttpEvent', () => {
  it('fills every field of an HTTP API payload v2.0 event', () => {
    const event = buildHttpEvent(request(), context);
    expect(event).toEqual({
      version: '2.0',
      routeKey: 'GET /items/{id}',
      rawPath: '/items/a%20b',
      rawQueryString: 'x=1&y=two&x=3&empty=&flag&sp=a+b%21',
      cookies: ['a=1', 'b=2', 'c=3'],
      headers: { host: 'localhost:4601', 'user-agent': 'curl/8', 'x-multi': 'a,b' },
      queryStringParameters: { x: '1,3', y: 'two', empty: '', flag: '', sp: 'a b!' },
      pathParameters: { id: 'a b' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'shop-dev-api',
        domainName: 'localhost:4601',
        domainPrefix: 'localhost',
        http: { method: 'GET', path: '/items/a%20b', protocol: 'HTTP/1.1', sourceIp: '10.0.0.7', userAgent: 'curl/8' },
        requestId: 'req-1',
        routeKey: 'GET /items/{id}',
        stage: 'dev',
        time: '12/Mar/2020:19:03:58 +0000',
        timeEpoch: Date.UTC(2020, 2, 12, 19, 3, 58),
      },
      isBase64Encoded: false,
    });
  });

  it('leaves out cookies, query, path parameters and body when there are none', () => {
    const event = buildHttpEvent(request({ rawQueryString: '', rawHeaders: ['host', 'h'], pathParameters: null }), context);
    expect(event).not.toHaveProperty('cookies');
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('pathParameters');
    expect(event).not.toHaveProperty('body');
    expect(event.isBase64Encoded).toBe(false);
  });

  it('passes a text body as utf-8 and a binary body as base64', () => {
    const json = buildHttpEvent(request({ rawHeaders: ['content-type', 'application/json; charset=utf-8'], body: Buffer.from('{"é":1}') }), context);
    expect(json.body).toBe('{"é":1}');
    expect(json.isBase64Encoded).toBe(false);

    const bytes = Buffer.from([0, 255, 1, 2, 254]);
    const png = buildHttpEvent(request({ rawHeaders: ['content-type', 'image/png'], body: bytes }), context);
    expect(png.isBase64Encoded).toBe(true);
    expect(Buffer.from(png.body!, 'base64')).toEqual(bytes);

    const untypedBinary = buildHttpEvent(request({ rawHeaders: [], body: bytes }), context);
    expect(untypedBinary.isBase64Encoded).toBe(true);
    const untypedText = buildHttpEvent(request({ rawHeaders: [], body: Buffer.from('plain') }), context);
    expect(untypedText).toMatchObject({ body: 'plain', isBase64Encoded: false });
  });

  it('keeps the greedy proxy parameter as the rest of the path', () => {
    const event = buildHttpEvent(request({ routeKey: 'ANY /{proxy+}', pathParameters: { proxy: 'a/b/c%2Fd' } }), context);
    expect(event.pathParameters).toEqual({ proxy: 'a/b/c/d' });
    expect(event.routeKey).toBe('ANY /{proxy+}');
  });
});

describe('helpers', () => {
  it('classifies content types', () => {
    for (const type of ['text/plain', 'application/json', 'application/vnd.api+json', 'application/xml', 'application/x-www-form-urlencoded']) {
      expect(isTextContentType(type)).toBe(true);
    }
    for (const type of ['image/png', 'application/octet-stream', 'application/pdf', 'audio/mpeg']) expect(isTextContentType(type)).toBe(false);
  });

  it('parses query strings and formats request times', () => {
    expect(parseQueryString('')).toBeUndefined();
    expect(parseQueryString('a=%E2%9C%93&a=2')).toEqual({ a: '✓,2' });
    expect(parseQueryString('bad=%E0%A4%A')).toEqual({ bad: '%E0%A4%A' });
    expect(formatRequestTime(Date.UTC(2024, 0, 5, 3, 4, 5))).toBe('05/Jan/2024:03:04:05 +0000');
  });
});
