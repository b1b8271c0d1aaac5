// Serving the built dashboard: index.html at `/` and at deep links, hashed assets with their type and a long
// cache, the API's JSON 404 kept for /api, no file outside the dashboard folder by any spelling of `..`
// (through the app object, and as raw request lines on a real port), and a page saying how to build the
// dashboard when it is not built.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from './testing/api-harness.js';

const INDEX = '<!doctype html><title>Sluice</title><div id="app">DASHBOARD-INDEX</div><script type="module" src="/assets/index-3f9a1c.js"></script>';
const SCRIPT = 'console.log("DASHBOARD-SCRIPT");\n';
const OUTSIDE = 'OUTSIDE-THE-DASHBOARD-1d8e';
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'";

let root: string;
let h: ApiHarness;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-dashboard-'));
  await mkdir(join(root, 'web', 'assets'), { recursive: true });
  await writeFile(join(root, 'web', 'index.html'), INDEX);
  await writeFile(join(root, 'web', 'assets', 'index-3f9a1c.js'), SCRIPT);
  await writeFile(join(root, 'web', 'assets', 'index-77b2e0.css'), 'body{margin:0}\n');
  await writeFile(join(root, 'secret.txt'), OUTSIDE);
  await writeFile(join(root, 'package.json'), `{ "name": "${OUTSIDE}" }`);
  h = await startApiHarness({ dashboardDir: join(root, 'web') });
});
afterAll(async () => {
  await h?.close();
  await rm(root, { recursive: true, force: true });
});

async function expectIndex(path: string): Promise<void> {
  const response = await h.call('GET', path);
  expect(response.status, path).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(response.headers.get('cache-control')).toBe('no-cache');
  expect(response.headers.get('content-security-policy')).toBe(CSP);
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  expect(await response.text()).toBe(INDEX);
}

describe('the built dashboard', () => {
  it('answers index.html at / and at every deep link of the single-page app', async () => {
    for (const path of ['/', '/index.html', '/apps/shop/stages/prod', '/runs/run-12', '/settings', '/apps/my%20app/stages/prod?tab=logs']) await expectIndex(path);
  });

  it('serves hashed assets with their content type and a long cache; a missing one is a 404, not the page', async () => {
    const script = await h.call('GET', '/assets/index-3f9a1c.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(script.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await script.text()).toBe(SCRIPT);
    const style = await h.call('GET', '/assets/index-77b2e0.css');
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const missing = await h.call('GET', '/assets/index-000000.js');
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toContain('DASHBOARD-INDEX');
  });

  it('never shadows the API, the hooks or the probes', async () => {
    for (const path of ['/api/nope', '/api', '/hooks/github', '/hooks/git/r1']) {
      const response = await h.call('GET', path);
      expect(response.status, path).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    }
    expect(await (await h.call('GET', '/healthz')).json()).toEqual({ status: 'ok' });
    expect(((await (await h.call('GET', '/api/stages')).json()) as { stages: unknown[] }).stages).toEqual([]);
    const post = await h.call('POST', '/apps/shop', { body: {} });
    expect(post.status).toBe(404);
    expect(post.headers.get('content-type')).toContain('application/json');
  });

  it('serves no file outside its folder, however `..` is spelled', async () => {
    const attempts = ['/..%2fsecret.txt', '/..%2f..%2fetc/passwd', '/assets/../../package.json', '/assets/..%2f..%2fsecret.txt', '/%2e%2e/secret.txt', '/..%5csecret.txt', '//secret.txt', '/assets/%2e%2e%2f%2e%2e%2fpackage.json'];
    for (const path of attempts) {
      const response = await h.call('GET', path);
      const text = await response.text();
      expect(text, path).not.toContain(OUTSIDE);
      expect(text, path).not.toContain('root:');
    }
  });

  it('serves no file outside its folder for raw request lines on a real port', async () => {
    const server = await new Promise<ServerType>((resolve) => {
      const started: ServerType = serve({ fetch: h.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
    });
    try {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      for (const target of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/..\\secret.txt', '/assets/..%5c..%5cpackage.json']) {
        const answer = await rawRequest(port, target);
        expect(answer, target).toMatch(/^HTTP\/1\.1 \d{3}/);
        expect(answer, target).not.toContain(OUTSIDE);
      }
      expect(await rawRequest(port, '/apps/shop')).toContain('DASHBOARD-INDEX');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('a dashboard that is not built', () => {
  it('says how to build it at / and at deep links, and keeps the API as it is', async () => {
    const bare = await startApiHarness({ dashboardDir: join(root, 'not-built') });
    try {
      for (const path of ['/', '/runs/run-1']) {
        const response = await bare.call('GET', path);
        expect(response.status).toBe(503);
        expect(response.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8$/i);
        expect(response.headers.get('content-security-policy')).toBe(CSP);
        const text = await response.text();
        expect(text).toContain('dashboard is not built');
        expect(text).toContain('npm run build');
      }
      const api = await bare.call('GET', '/api/nope');
      expect(api.status).toBe(404);
      expect(((await api.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    } finally {
      await bare.close();
    }
  });
});

/** Sends the request line as written (no URL normalization by a client) and returns the whole answer. */
function rawRequest(port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}
