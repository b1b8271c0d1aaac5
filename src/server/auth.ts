// Bearer-token check for the API. With no token configured (loopback only) every call is allowed.

import { timingSafeEqual, createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { SluiceError } from '../errors/index.js';
import { errorResponse } from './error-response.js';

export function requireToken(token: string | undefined): MiddlewareHandler {
  const expected = token ? createHash('sha256').update(token).digest() : undefined;
  return async (c, next) => {
    if (!expected) return next();
    const header = c.req.header('authorization') ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    const digest = createHash('sha256').update(given).digest();
    if (!given || !timingSafeEqual(digest, expected)) {
      return errorResponse(c, new SluiceError('UNAUTHORIZED', given ? 'The token is not valid for this control plane.' : 'This control plane requires a token.'));
    }
    return next();
  };
}
