// One shape for every API error: `{ error: { code, message, hint, problems? } }` with the code's HTTP status.

import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isSluiceError, SluiceError, type ErrorBody } from '../errors/index.js';

export function toSluiceError(error: unknown): SluiceError {
  if (isSluiceError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SluiceError('INTERNAL', `Unexpected error: ${message}`, { cause: error });
}

export function errorResponse(c: Context, error: unknown): Response {
  const sluiceError = toSluiceError(error);
  if (sluiceError.code === 'INTERNAL') {
    const log = c.get('log');
    if (log) log.error({ err: error, method: c.req.method, path: c.req.path }, 'unexpected error');
    else console.error(error);
  }
  return c.json({ error: sluiceError.toJSON() satisfies ErrorBody }, sluiceError.status as ContentfulStatusCode);
}
