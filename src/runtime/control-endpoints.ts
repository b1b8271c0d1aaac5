// The /_sluice/* endpoints the control plane uses: health (open); reload, direct invoke, Prometheus metrics
// and a new master key after a rotation (guarded by the internal token, compared in constant time). Direct invoke runs a live version by weight, or with
// `versionId` exactly that version, routed or not (how hook functions run).

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isSluiceError, SluiceError } from '../errors/index.js';
import type { FunctionRuntime, InvokeRequest } from './function-runtime.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import { sendJson } from './gateway-responses.js';
import { readJson } from './request-body.js';

export const INTERNAL_TOKEN_HEADER = 'x-sluice-internal-token';

export interface ControlDependencies {
  runtime: FunctionRuntime;
  internalToken: string;
  reload(): Promise<number>;
  onError(error: unknown, during: string): void;
  /** Loaded by the time the gateway listens. */
  metrics: () => GatewayMetrics;
  rotateKey?: (keyHex: string) => Promise<void>;
  keyId?: () => string;
  /** See bootstrapTokenId. */
  bootstrapTokenId?: string | null;
}

/**
 * Which SLUICE_TOKEN the gateway accepts on protected previews, shown by the open health endpoint so a
 * control plane re-attaching to a running gateway can tell whether it holds its token: an HMAC keyed with
 * the internal token, which reveals nothing of a weak SLUICE_TOKEN to whoever can reach the health endpoint.
 * Null when the gateway has none.
 */
export function bootstrapTokenId(internalToken: string, bootstrapToken: string | undefined): string | null {
  if (!bootstrapToken) return null;
  return createHmac('sha256', internalToken).update(bootstrapToken).digest('hex').slice(0, 16);
}

function tokenMatches(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function parseInvokeRequest(body: unknown): InvokeRequest {
  const value = body as Record<string, unknown>;
  const missing = ['app', 'stage', 'service', 'function'].filter((k) => typeof value?.[k] !== 'string' || value[k] === '');
  const hint = 'Send {"app","stage","service","function","versionId"?,"event"?}.';
  if (missing.length > 0) throw new SluiceError('INVALID_BODY', `The invoke request needs string fields ${missing.join(', ')}.`, { hint });
  const versionId = value.versionId;
  if (versionId !== undefined && (typeof versionId !== 'string' || versionId === '')) {
    throw new SluiceError('INVALID_BODY', 'The invoke request\'s versionId must be a non-empty string when given.', { hint });
  }
  const request: InvokeRequest = { app: value.app as string, stage: value.stage as string, service: value.service as string, function: value.function as string, event: value.event };
  if (versionId !== undefined) request.versionId = versionId;
  return request;
}

export function createControlHandler(deps: ControlDependencies): (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<void> {
  return async function serveControl(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (pathname === '/_sluice/health' && req.method === 'GET') {
      sendJson(res, 200, { ok: true, generation: deps.runtime.table.generation, versions: deps.runtime.table.versionCount, workers: deps.runtime.workerCount, keyId: deps.keyId?.(), bootstrapTokenId: deps.bootstrapTokenId ?? null });
      return;
    }
    if (!tokenMatches(req.headers[INTERNAL_TOKEN_HEADER], deps.internalToken)) {
      req.resume();
      sendJson(res, 401, { code: 'UNAUTHORIZED', message: 'Control endpoints need the gateway\'s internal token.', hint: `Send the ${INTERNAL_TOKEN_HEADER} header the control plane started the gateway with.` });
      return;
    }
    try {
      if (pathname === '/_sluice/reload' && req.method === 'POST') {
        req.resume();
        sendJson(res, 200, { generation: await deps.reload() });
      } else if (pathname === '/_sluice/invoke' && req.method === 'POST') {
        const request = parseInvokeRequest(await readJson(req));
        sendJson(res, 200, await deps.runtime.invokeDirect(request));
      } else if (pathname === '/_sluice/warm' && req.method === 'POST') {
        const body = (await readJson(req)) as { functions?: unknown };
        const functions = Array.isArray(body?.functions) ? (body.functions as Array<Record<string, unknown>>) : [];
        const warmed = await Promise.all(
          functions.map((f) => deps.runtime.warm({ app: String(f.app), stage: String(f.stage), service: String(f.service), function: String(f.function), versionId: String(f.versionId) })),
        );
        sendJson(res, 200, { warmed: warmed.filter(Boolean).length });
      } else if (pathname === '/_sluice/metrics' && req.method === 'GET') {
        req.resume();
        const metrics = deps.metrics();
        const text = await metrics.render();
        res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text) });
        res.end(text);
      } else if (pathname === '/_sluice/rotate-key' && req.method === 'POST' && deps.rotateKey) {
        const body = (await readJson(req)) as { key?: unknown };
        if (typeof body?.key !== 'string' || body.key === '') throw new SluiceError('INVALID_BODY', 'The rotate-key request needs the new key as a string field "key".');
        await deps.rotateKey(body.key);
        sendJson(res, 200, { generation: deps.runtime.table.generation, keyId: deps.keyId?.() });
      } else {
        req.resume();
        sendJson(res, 404, { code: 'NOT_FOUND', message: `No control endpoint ${req.method} ${pathname}.`, hint: 'The control endpoints are POST /_sluice/reload, POST /_sluice/invoke, POST /_sluice/rotate-key, GET /_sluice/metrics and GET /_sluice/health.' });
      }
    } catch (error) {
      if (isSluiceError(error)) {
        sendJson(res, error.status, error.toJSON());
      } else {
        deps.onError(error, `${req.method} ${pathname}`);
        sendJson(res, 500, { code: 'STORE_ERROR', message: `The gateway could not complete ${pathname}: ${(error as Error).message}`, hint: 'Check that the store is reachable; the gateway keeps serving the previous routing.' });
      }
    }
  };
}
