// Serves the built web dashboard (Vite output: index.html + hashed assets/*) at `/`, as a single-page app:
// a GET for anything that is neither a server route nor a file answers index.html, so deep links such as
// /apps/shop/stages/prod or /runs/:id survive a reload. The files need no token: the page asks for one and
// the /api routes enforce it. Registered after every API route, so it never shadows one; /api, /hooks and
// the probes fall through to the API's JSON 404.
//
// Files are read by @hono/node-server's serveStatic, which refuses `..`, backslashes, doubled slashes and
// percent-encoded paths before touching the disk. When the dashboard is not built (a checkout built with
// tsc only), `/` explains how to build it instead of failing.

import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { packagePath } from '../package-root.js';

/** dist/web of the package (src/web holds the sources, never served). */
const DEFAULT_DASHBOARD_DIR = packagePath('dist', 'web') + sep;

const SERVER_PATHS = /^\/(api|hooks)(\/|$)|^\/(healthz|readyz|metrics)$/;

const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Hashed file names change with their content: an asset can be kept for a year. */
const ASSET_CACHE = 'public, max-age=31536000, immutable';
/** index.html names the current assets: always revalidated. */
const PAGE_CACHE = 'no-cache';

export function registerStaticDashboard(api: Hono, dir: string = DEFAULT_DASHBOARD_DIR): void {
  let files: { file: MiddlewareHandler; index: MiddlewareHandler } | undefined;
  api.get('*', async (c, next) => {
    if (SERVER_PATHS.test(c.req.path)) return next();
    for (const [name, value] of Object.entries(DASHBOARD_HEADERS)) c.header(name, value);
    // Checked on every request (one stat): a dashboard built after `sluice up` is served without a restart.
    if (!existsSync(join(dir, 'index.html'))) {
      c.header('cache-control', 'no-store');
      return c.html(NOT_BUILT_PAGE, 503);
    }
    files ??= { file: serveStatic({ root: dir }), index: serveStatic({ root: dir, path: 'index.html' }) };
    const asset = c.req.path.startsWith('/assets/');
    c.header('cache-control', asset ? ASSET_CACHE : PAGE_CACHE);
    const served = await files.file(c, noNext);
    if (served) return served;
    // A missing asset is a stale page or a typo: answering HTML for a script would only confuse the browser.
    if (asset) return notFound(c);
    c.header('cache-control', PAGE_CACHE);
    return (await files.index(c, noNext)) ?? notFound(c);
  });
}

const noNext = async (): Promise<void> => undefined;

function notFound(c: Context): Response {
  c.header('cache-control', 'no-store');
  return c.text('Not found\n', 404);
}

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sluice</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}code{background:#8882;padding:0 .25em;border-radius:3px}</style></head>
<body>
<h1>The Sluice dashboard is not built</h1>
<p>This control plane runs from a checkout whose web dashboard has not been built yet. Build it with <code>npm run build</code> (it writes <code>dist/web</code>), then reload this page.</p>
<p>The API answers meanwhile at <code>/api</code>; see <code>docs/api.md</code>.</p>
</body>
</html>
`;
