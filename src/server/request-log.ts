// One debug log line per API request (method, path, status, duration), for `sluice up --log-level debug`,
// and the logger in the request's context, where error responses find it to log unexpected errors.
// Never headers or bodies: they carry tokens and secret values.

import type { MiddlewareHandler } from 'hono';
import type { ServerLog } from './ports.js';

declare module 'hono' {
  interface ContextVariableMap {
    log: ServerLog | undefined;
  }
}

export function requestLog(log: ServerLog | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (!log) return next();
    c.set('log', log);
    const started = performance.now();
    await next();
    log.debug({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round((performance.now() - started) * 10) / 10 }, 'request');
  };
}
