// How the gateway answers over HTTP: a function's own response as it returned it, and the gateway's
// refusals and failures. Failures that mirror API Gateway/Lambda keep their wording (500 Internal Server
// Error, 429 Too Many Requests); failures the gateway diagnoses carry Sluice's `{code, message, hint}`.
// A protected preview refuses a request without a valid token in the control plane API's error shape
// (`{ error: { code, message, hint } }`), as the control plane refuses one: the caller is a Sluice user.
// Every answer of a function carries `x-sluice-request-id` and `x-sluice-version` (the version number that
// served it), so a traffic split can be observed from outside.

import type { ServerResponse } from 'node:http';
import { SluiceError } from '../errors/index.js';
import type { RuntimeOutcome } from './invocation-outcome.js';
import type { FunctionDeployment, ServiceLookup, VersionTarget } from './route-table.js';

export const VERSION_HEADER = 'x-sluice-version';

const JSON_HEADERS = ['content-type', 'application/json'];

export function sendJson(res: ServerResponse, status: number, body: unknown, extraHeaders: string[] = []): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, [...JSON_HEADERS, ...extraHeaders]);
  res.end(text);
}

export function sendOutcome(res: ServerResponse, outcome: RuntimeOutcome, requestId: string, deployment: FunctionDeployment, target: VersionTarget): void {
  if (outcome.kind === 'http-response') {
    const headers = outcome.headers;
    headers.push('x-sluice-request-id', requestId, VERSION_HEADER, target.versionHeader);
    try {
      res.writeHead(outcome.statusCode, headers);
    } catch (error) {
      sendJson(res, 502, invalidResponse(`The function returned a header Node cannot send: ${(error as Error).message}`), ['x-sluice-request-id', requestId, VERSION_HEADER, target.versionHeader]);
      return;
    }
    res.end(outcome.body);
    return;
  }
  sendFailure(res, outcome, requestId, deployment, target);
}

/** Everything but a function's own response: off the hot path, so labels are built here. */
function sendFailure(res: ServerResponse, outcome: Exclude<RuntimeOutcome, { kind: 'http-response' }>, requestId: string, deployment: FunctionDeployment, target: VersionTarget): void {
  const idHeader = ['x-sluice-request-id', requestId, VERSION_HEADER, target.versionHeader];
  const functionLabel = `${deployment.service}.${deployment.function} (version ${target.version.number}, stage ${deployment.stage})`;
  const timeoutSeconds = target.version.config.timeout;
  switch (outcome.kind) {
    case 'result':
      // An event invocation reached through HTTP cannot happen; answer as API Gateway would.
      sendJson(res, 200, JSON.parse(outcome.json), idHeader);
      return;
    case 'handler-error':
      sendJson(res, 500, { message: 'Internal Server Error' }, idHeader);
      return;
    case 'throttled':
      sendJson(res, 429, { message: 'Too Many Requests' }, idHeader);
      return;
    case 'malformed':
      sendJson(res, 502, invalidResponse(outcome.message), idHeader);
      return;
    case 'timeout':
      sendJson(
        res,
        504,
        {
          code: 'INVOKE_FAILED',
          message: `${functionLabel} timed out after ${timeoutSeconds} s (request ${requestId}).`,
          hint: 'Raise the function\'s `timeout`, or find what it waits on with `sluice logs FUNCTION --stage NAME`.',
        },
        idHeader,
      );
      return;
    case 'crashed':
      sendJson(
        res,
        502,
        { code: 'INVOKE_FAILED', message: `${functionLabel} failed (request ${requestId}): ${outcome.error.type}: ${outcome.error.message}`, hint: 'Look at the function logs with `sluice logs FUNCTION --stage NAME`.' },
        idHeader,
      );
      return;
  }
}

function invalidResponse(detail: string) {
  return {
    code: 'INVOKE_FAILED',
    message: `The function returned a response API Gateway cannot send: ${detail}`,
    hint: 'Return { statusCode, headers?, cookies?, body?: string, isBase64Encoded? }, or any other JSON value to send it as 200 JSON.',
  };
}

/** A function whose only versions are reachable through match rules (a new function before its traffic). */
export function noTraffic(res: ServerResponse, pathname: string, deployment: FunctionDeployment): void {
  sendJson(res, 404, {
    code: 'NOT_FOUND',
    message: `No function answers ${pathname}: ${deployment.function} of service ${deployment.service} receives no traffic yet.`,
    hint: 'A rollout in progress sends traffic to it once its pre-traffic checks pass; `sluice rollout status` shows where it is.',
  });
}

export function notFound(res: ServerResponse, pathname: string, lookup: Extract<ServiceLookup, { found: false }>): void {
  if (lookup.reason === 'no-commit') {
    const where = lookup.service === undefined ? '' : ` of ${lookup.service}`;
    sendJson(res, 404, {
      code: 'NOT_FOUND',
      message: `No function answers ${pathname}: no commit ${lookup.commit}${where} is deployed.`,
      hint: 'Commit URLs are /c/{sha7}/{app}/{stage}/{service}/{path}; each deploy of a preview records one for its commit, and they go with the preview.',
    });
    return;
  }
  sendJson(res, 404, {
    code: 'NOT_FOUND',
    message: `No function answers ${pathname}.`,
    hint: 'Function URLs are /{app}/{stage}/{service}/{path}; `sluice info --stage NAME` lists the endpoints of a stage.',
  });
}

export function previewProtected(res: ServerResponse, deployment: FunctionDeployment): void {
  const error = new SluiceError('PREVIEW_PROTECTED', `Stage ${deployment.stage} of app ${deployment.app} is a protected preview: its URLs need a Sluice token.`);
  sendJson(res, 401, { error: error.toJSON() }, ['www-authenticate', 'Bearer realm="sluice preview"', 'cache-control', 'no-store']);
}

export function tokenCheckFailed(res: ServerResponse): void {
  const error = new SluiceError('STORE_ERROR', 'The gateway could not check the token of this protected preview: the store does not answer.', {
    hint: 'Try again in a moment: tokens are checked in the store, and it does not answer now.',
  });
  sendJson(res, 503, { error: error.toJSON() }, ['cache-control', 'no-store']);
}
