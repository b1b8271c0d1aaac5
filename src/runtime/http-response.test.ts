import { describe, expect, it } from 'vitest';
import { PAYLOAD_LIMIT_BYTES, toHttpResponse } from './http-response.js';

describe('toHttpResponse', () => {
  it('sends a structured response as given, with cookies as set-cookie', () => {
    expect(
      toHttpResponse({ statusCode: 201, headers: { 'Content-Type': 'text/plain', 'x-n': 5, 'x-b': true }, cookies: ['a=1; Path=/', 'b=2'], body: 'created', isBase64Encoded: false }),
    ).toEqual({
      kind: 'http-response',
      statusCode: 201,
      headers: ['Content-Type', 'text/plain', 'x-n', '5', 'x-b', 'true', 'set-cookie', 'a=1; Path=/', 'set-cookie', 'b=2', 'content-length', '7'],
      body: 'created',
    });
  });

  it('decodes a base64 body', () => {
    const outcome = toHttpResponse({ statusCode: 200, headers: { 'content-type': 'image/png' }, body: Buffer.from([1, 2, 255]).toString('base64'), isBase64Encoded: true });
    expect(outcome.kind).toBe('http-response');
    if (outcome.kind === 'http-response') expect(Buffer.from(outcome.body as Uint8Array)).toEqual(Buffer.from([1, 2, 255]));
  });

  it('sends any value without statusCode as 200 JSON, a string as is', () => {
    expect(toHttpResponse({ message: 'hi' })).toMatchObject({ statusCode: 200, headers: ['content-type', 'application/json', 'content-length', '16'], body: '{"message":"hi"}' });
    expect(toHttpResponse('Hello from Lambda!')).toMatchObject({ statusCode: 200, body: 'Hello from Lambda!' });
    expect(toHttpResponse([1, 2])).toMatchObject({ statusCode: 200, body: '[1,2]' });
    expect(toHttpResponse(42)).toMatchObject({ statusCode: 200, body: '42' });
    expect(toHttpResponse(undefined)).toMatchObject({ statusCode: 200, body: 'null' });
    expect(toHttpResponse(null)).toMatchObject({ statusCode: 200, body: 'null' });
  });

  it('drops framing headers the gateway computes itself', () => {
    const outcome = toHttpResponse({ statusCode: 200, headers: { 'Content-Length': '999', 'transfer-encoding': 'chunked' }, body: 'ok' });
    expect(outcome).toMatchObject({ headers: ['content-length', '2'] });
  });

  it.each([
    [{ statusCode: '200' }, /statusCode must be an integer/],
    [{ statusCode: 99 }, /statusCode must be an integer/],
    [{ statusCode: 600 }, /statusCode must be an integer/],
    [{ statusCode: 200.5 }, /statusCode must be an integer/],
    [{ statusCode: 200, body: { ok: true } }, /body must be a string/],
    [{ statusCode: 200, body: ['a'] }, /body must be a string.*an array/],
    [{ statusCode: 200, headers: 'x' }, /headers must be an object/],
    [{ statusCode: 200, headers: { a: { b: 1 } } }, /header "a"/],
    [{ statusCode: 200, cookies: 'a=1' }, /cookies must be an array/],
    [{ statusCode: 200, body: '***', isBase64Encoded: true }, /not valid base64/],
  ])('rejects the malformed result %j', (result, message) => {
    const outcome = toHttpResponse(result);
    expect(outcome.kind).toBe('malformed');
    if (outcome.kind === 'malformed') expect(outcome.message).toMatch(message);
  });

  it('rejects responses over the payload limit', () => {
    expect(toHttpResponse({ statusCode: 200, body: 'x'.repeat(PAYLOAD_LIMIT_BYTES + 1) }).kind).toBe('malformed');
    expect(toHttpResponse({ big: 'x'.repeat(PAYLOAD_LIMIT_BYTES) }).kind).toBe('malformed');
  });
});
