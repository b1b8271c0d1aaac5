// Builds the API Gateway HTTP API payload v2.0 event a Lambda handler expects from the raw request parts the
// gateway forwards. Runs inside the worker (see worker-protocol.ts for why). Pure apart from the payload.

import type { HttpRequestPayload } from './worker-protocol.js';

export interface HttpEventContext {
  requestId: string;
  /** The Sluice stage; API Gateway's `requestContext.stage`. */
  stage: string;
  /** Identifies the API; Sluice uses `{app}-{stage}-{service}`. */
  apiId: string;
}

export interface HttpApiEvent {
  version: '2.0';
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  pathParameters?: Record<string, string>;
  requestContext: {
    accountId: string;
    apiId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: string;
    stage: string;
    time: string;
    timeEpoch: number;
  };
  body?: string;
  isBase64Encoded: boolean;
}

/** The account id every local event carries (Lambda's format: twelve digits). */
export const LOCAL_ACCOUNT_ID = '000000000000';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// Every request of one second shares its `time`, and a client its Host header: the last of each is kept.
let timeSecond = Number.NaN;
let timeText = '';
let prefixHost = '';
let prefixText = '';

/** `12/Mar/2020:19:03:58 +0000`, the format of `requestContext.time`. */
export function formatRequestTime(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== timeSecond) {
    timeText = formatTime(epochMs);
    timeSecond = second;
  }
  return timeText;
}

function formatTime(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => (n < 10 ? `0${n}` : String(n));
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/** Whether a body of this content type reaches the handler as text; anything else is base64. */
export function isTextContentType(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType === '') return true;
  const type = contentType.split(';', 1)[0].trim().toLowerCase();
  if (type.startsWith('text/')) return true;
  if (type.endsWith('+json') || type.endsWith('+xml')) return true;
  return (
    type === 'application/json' ||
    type === 'application/xml' ||
    type === 'application/javascript' ||
    type === 'application/x-www-form-urlencoded' ||
    type === 'application/graphql' ||
    type === 'application/x-ndjson' ||
    type === 'application/yaml'
  );
}

/** A query string name or value as API Gateway decodes it (`+` is a space; malformed escapes stay as sent). */
export function decodeQueryComponent(value: string): string {
  if (!value.includes('%') && !value.includes('+')) return value;
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

function decodePathParameter(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Repeated query parameters are joined with commas, as API Gateway does for v2.0. */
export function parseQueryString(raw: string): Record<string, string> | undefined {
  if (raw === '') return undefined;
  const params: Record<string, string> = {};
  let any = false;
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeQueryComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decodeQueryComponent(pair.slice(eq + 1));
    params[name] = Object.prototype.hasOwnProperty.call(params, name) ? `${params[name]},${value}` : value;
    any = true;
  }
  return any ? params : undefined;
}

export function buildHttpEvent(request: HttpRequestPayload, context: HttpEventContext): HttpApiEvent {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const value = raw[i + 1];
    if (name === 'cookie') {
      // v2.0 moves cookies out of the headers into their own array.
      cookies ??= [];
      for (const part of value.split(';')) {
        const cookie = part.trim();
        if (cookie !== '') cookies.push(cookie);
      }
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }

  const event: HttpApiEvent = {
    version: '2.0',
    routeKey: request.routeKey,
    rawPath: request.rawPath,
    rawQueryString: request.rawQueryString,
    headers,
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: context.apiId,
      domainName: headers.host ?? 'localhost',
      domainPrefix: domainPrefix(headers.host ?? 'localhost'),
      http: {
        method: request.method,
        path: request.rawPath,
        protocol: request.protocol,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: context.requestId,
      routeKey: request.routeKey,
      stage: context.stage,
      time: formatRequestTime(request.timeEpoch),
      timeEpoch: request.timeEpoch,
    },
    isBase64Encoded: false,
  };
  if (cookies !== undefined && cookies.length > 0) event.cookies = cookies;
  const query = parseQueryString(request.rawQueryString);
  if (query !== undefined) event.queryStringParameters = query;
  if (request.pathParameters !== null) {
    const decoded: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.pathParameters)) decoded[name] = decodePathParameter(value);
    event.pathParameters = decoded;
  }
  if (request.body !== null && request.body.byteLength > 0) {
    const bytes = Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
    if (isTextContentType(headers['content-type']) && (headers['content-type'] !== undefined || isUtf8(bytes))) {
      event.body = bytes.toString('utf8');
    } else {
      event.body = bytes.toString('base64');
      event.isBase64Encoded = true;
    }
  }
  return event;
}

/** API Gateway's `domainPrefix`: the first label of the host name. */
function domainPrefix(host: string): string {
  if (host !== prefixHost) {
    prefixText = host.replace(/:\d+$/, '').split('.', 1)[0];
    prefixHost = host;
  }
  return prefixText;
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
