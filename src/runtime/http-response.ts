// Turns what a handler returned into an HTTP response exactly as API Gateway HTTP API (payload format 2.0)
// does: a value with `statusCode` is a structured response; any other value is sent as 200 JSON. A
// structured response that API Gateway would reject becomes `malformed` (the gateway answers 502).
// Runs inside the worker; pure.

import type { WorkerOutcome } from './worker-protocol.js';

/** Lambda's synchronous payload limit, for requests and responses alike. */
export const PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

type HttpOutcome = Extract<WorkerOutcome, { kind: 'http-response' | 'malformed' }>;

function malformed(message: string): HttpOutcome {
  return { kind: 'malformed', message };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function headerValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function toHttpResponse(result: unknown): HttpOutcome {
  if (!isPlainObject(result) || !('statusCode' in result)) {
    // API Gateway infers: status 200, content-type application/json, the value as body (a string as is).
    const body = typeof result === 'string' ? result : (JSON.stringify(result === undefined ? null : result) ?? 'null');
    const size = Buffer.byteLength(body);
    if (size > PAYLOAD_LIMIT_BYTES) return malformed(`The response is larger than the ${PAYLOAD_LIMIT_BYTES}-byte payload limit.`);
    return { kind: 'http-response', statusCode: 200, headers: ['content-type', 'application/json', 'content-length', String(size)], body };
  }

  const statusCode = result.statusCode;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    return malformed(`statusCode must be an integer from 100 to 599, got ${JSON.stringify(statusCode) ?? String(statusCode)}.`);
  }

  const headers: string[] = [];
  if (result.headers !== undefined && result.headers !== null) {
    if (!isPlainObject(result.headers)) return malformed('headers must be an object of header names to values.');
    for (const [name, raw] of Object.entries(result.headers)) {
      const lower = name.toLowerCase();
      // The gateway frames the body itself, as API Gateway does.
      if (lower === 'content-length' || lower === 'transfer-encoding') continue;
      const value = headerValue(raw);
      if (value === undefined) return malformed(`header "${name}" must be a string, number or boolean.`);
      headers.push(name, value);
    }
  }

  if (result.cookies !== undefined && result.cookies !== null) {
    if (!Array.isArray(result.cookies) || !result.cookies.every((c) => typeof c === 'string')) {
      return malformed('cookies must be an array of strings.');
    }
    for (const cookie of result.cookies as string[]) headers.push('set-cookie', cookie);
  }

  let body: string | Uint8Array = '';
  if (result.body !== undefined && result.body !== null) {
    if (typeof result.body !== 'string') {
      return malformed(`body must be a string when statusCode is present, got ${Array.isArray(result.body) ? 'an array' : `a ${typeof result.body}`}; use JSON.stringify.`);
    }
    if (result.isBase64Encoded === true) {
      if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(result.body)) return malformed('body is not valid base64 although isBase64Encoded is true.');
      body = Buffer.from(result.body, 'base64');
    } else {
      body = result.body;
    }
  }
  const size = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  if (size > PAYLOAD_LIMIT_BYTES) return malformed(`The response is larger than the ${PAYLOAD_LIMIT_BYTES}-byte payload limit.`);
  headers.push('content-length', String(size));
  return { kind: 'http-response', statusCode, headers, body };
}
