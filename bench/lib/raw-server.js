// The ceiling: a bare Node `http` server calling the handlers in-process, with a minimal HTTP API v2 event
// and no isolation, routing or metrics. Run as its own process so its CPU and RSS are measured alone.
// Usage: node raw-server.js HANDLER_MODULE PORT; prints {"port":…} once listening.

import http from 'node:http';
import { pathToFileURL } from 'node:url';

const [modulePath, portArg] = process.argv.slice(2);
const handlers = await import(pathToFileURL(modulePath).href);
const routes = { '/hello': handlers.hello, '/slow': handlers.slow };

const server = http.createServer(async (request, response) => {
  const path = request.url.split('?')[0];
  const handler = routes[path];
  if (!handler) {
    response.writeHead(404).end();
    return;
  }
  const event = {
    version: '2.0',
    rawPath: path,
    headers: request.headers,
    requestContext: { http: { method: request.method, path } },
    isBase64Encoded: false,
  };
  try {
    const result = await handler(event, { functionName: path.slice(1) });
    response.writeHead(result.statusCode ?? 200, { 'content-type': 'application/json', ...result.headers });
    response.end(result.body ?? '');
  } catch {
    response.writeHead(500).end();
  }
});

server.keepAliveTimeout = 65_000;
server.listen(Number(portArg ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
