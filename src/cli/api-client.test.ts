// The CLI's HTTP client against a real local server: JSON answers, API errors, an absent server, streamed
// deploy progress (NDJSON), server-sent events until stopped, and redirects followed the way fetch does.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from './api-client.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function serve(handle: (req: Seen, res: ServerResponse) => void): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(request);
      handle(request, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('ApiClient', () => {
  it('sends JSON with the token, and reads JSON answers', async () => {
    const { url, seen } = await serve((req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ echo: JSON.parse(req.body) })));
    const answer = await new ApiClient(url, 'slc_test').post<{ echo: unknown }>('/api/things', { a: 1 });
    expect(answer).toEqual({ echo: { a: 1 } });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/things', headers: { authorization: 'Bearer slc_test', 'content-type': 'application/json' } });
  });

  it('turns API errors, bodiless failures and an absent server into errors with codes', async () => {
    const { url } = await serve((req, res) => {
      if (req.url === '/api/known') res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'No such stage.', hint: 'Deploy it.' } }));
      else res.writeHead(502, 'Bad Gateway').end('<html>proxy</html>');
    });
    const client = new ApiClient(url, undefined);
    await expect(client.get('/api/known')).rejects.toMatchObject({ message: 'No such stage.', body: { code: 'NOT_FOUND', hint: 'Deploy it.' } });
    await expect(client.get('/api/other')).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('502 Bad Gateway') });
    const gone = await serve(() => undefined);
    await new Promise((resolve) => servers.pop()!.close(resolve));
    await expect(new ApiClient(gone.url, undefined).get('/api/stages')).rejects.toMatchObject({ code: 'SERVER_UNREACHABLE' });
  });

  it('reads a stream of JSON lines as it arrives, whatever the chunking', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write('{"type":"progress","message":"one"}\n{"type":"pro');
      setImmediate(() => res.end('gress","message":"two"}\n{"type":"result","result":{"ok":true}}'));
    });
    const lines: unknown[] = [];
    await new ApiClient(url, undefined).stream('/api/apps/a/deploy?stream=1', {}, (line) => lines.push(line));
    expect(lines).toEqual([{ type: 'progress', message: 'one' }, { type: 'progress', message: 'two' }, { type: 'result', result: { ok: true } }]);
  });

  it('follows server-sent events until stopped', async () => {
    const { url, seen } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': hello\n\nid: 1\nevent: rollout.step\ndata: {"weight":10}\n\n');
      setImmediate(() => res.write('id: 2\nevent: rollout.step\ndata: line one\ndata: line two\n\n'));
    });
    const stop = new AbortController();
    const events: unknown[] = [];
    await new ApiClient(url, undefined).events('/api/events', (event) => {
      events.push(event);
      if (events.length === 2) stop.abort();
    }, stop.signal);
    expect(events).toEqual([
      { id: '1', event: 'rollout.step', data: '{"weight":10}' },
      { id: '2', event: 'rollout.step', data: 'line one\nline two' },
    ]);
    expect(seen[0]!.headers.accept).toBe('text/event-stream');
  });

  it('follows redirects as fetch does: 307 keeps the body, 302 after a POST becomes a GET, another origin gets no token', async () => {
    const other = await serve((req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ method: req.method, body: req.body })));
    const { url, seen } = await serve((req, res) => {
      if (req.url === '/keep') res.writeHead(307, { location: '/final' }).end();
      else if (req.url === '/away') res.writeHead(302, { location: `${other.url}/final` }).end();
      else res.setHeader('content-type', 'application/json').end(JSON.stringify({ method: req.method, body: req.body }));
    });
    const client = new ApiClient(url, 'slc_test');
    expect(await client.post('/keep', { a: 1 })).toEqual({ method: 'POST', body: '{"a":1}' });
    expect(seen[1]!.headers.authorization).toBe('Bearer slc_test');
    expect(await client.post('/away', { a: 1 })).toEqual({ method: 'GET', body: '' });
    expect(other.seen[0]!.headers.authorization).toBeUndefined();
  });
});
