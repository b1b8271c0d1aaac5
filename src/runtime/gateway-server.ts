// The gateway: a plain node:http server (no framework on the hot path) that routes
// `/{app}/{stage}/{service}/…` to the live versions of functions, plus the `/_sluice/*` control endpoints
// the control plane uses. It reads what to serve from the store, reloading when told to and, as a
// fallback, when the store's routing generation changes. Logs and metrics are flushed in batches.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createControlHandler } from './control-endpoints.js';
import { FunctionRuntime, type InvokeRequest, type InvokeResult, type WorkerSettings } from './function-runtime.js';
import { sendJson, sendOutcome } from './gateway-responses.js';
import { LOCAL_ACCOUNT_ID } from './http-event.js';
import { readBody, tooLarge } from './request-body.js';
import type { RouteMatch } from './route-table.js';
import type { RuntimeStore } from './runtime-store.js';
import { ScheduleRunner, type ScheduleTick } from './schedule-runner.js';
import { resolveWorkerUrl } from './worker-file.js';

export interface GatewayOptions {
  store: RuntimeStore;
  /** Decrypts FunctionConfig.secretEnvironment values. */
  decryptSecret(ciphertext: string): string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Guards the /_sluice/* control endpoints (header x-sluice-internal-token). */
  internalToken: string;
  /** Where bundles are written as <codeHash>.mjs for workers to import. */
  cacheDir: string;
  /** Fallback polling of getRoutingGeneration(). Default 1000 ms. */
  pollIntervalMs?: number;
  /** Logs and metrics flush interval. Default 500 ms. */
  flushIntervalMs?: number;
  now?: () => number;
  /** Weighted version choice; [0, 1). Default Math.random. */
  random?: () => number;
  workers?: WorkerSettings;
  /** Problems of the gateway itself (store unreachable, flush failed). Default: console.error. */
  onError?: (error: unknown, during: string) => void;
}

export interface Gateway {
  url: string;
  port: number;
  /** Reloads the routing from the store; resolves with the generation now served. */
  reload(): Promise<number>;
  /** Invokes the live version of a function directly, like `aws lambda invoke`. */
  invoke(request: InvokeRequest): Promise<InvokeResult>;
  close(): Promise<void>;
}

function notFound(res: ServerResponse, pathname: string): void {
  sendJson(res, 404, {
    code: 'NOT_FOUND',
    message: `No function answers ${pathname}.`,
    hint: 'Function URLs are /{app}/{stage}/{service}/{path}; `sluice info --stage NAME` lists the endpoints of a stage.',
  });
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const now = options.now ?? Date.now;
  const onError = options.onError ?? ((error: unknown, during: string) => console.error(`[sluice gateway] ${during}:`, error));
  const runtime = new FunctionRuntime({
    store: options.store,
    decryptSecret: options.decryptSecret,
    cacheDir: options.cacheDir,
    workerUrl: resolveWorkerUrl(),
    now,
    random: options.random ?? Math.random,
    workers: {
      invocationsPerWorker: options.workers?.invocationsPerWorker ?? 64,
      maxWorkersPerVersion: options.workers?.maxWorkersPerVersion ?? 2,
      idleMs: options.workers?.idleMs ?? 10 * 60_000,
    },
  });

  const schedules = new ScheduleRunner({
    onTick: (tick) => runSchedule(tick),
    onInvalid: (deployment, schedule, message) => {
      runtime.logs.add(deployment.targets[0].origin, '', 'system', `Schedule "${schedule.expression}" does not run: ${message}`);
    },
  });

  function runSchedule(tick: ScheduleTick): void {
    const deployment = runtime.table.functions.get(tick.functionKey);
    if (deployment === undefined) return;
    const at = now();
    const event =
      tick.schedule.input !== undefined
        ? tick.schedule.input
        : {
            version: '0',
            id: randomUUID(),
            'detail-type': 'Scheduled Event',
            source: 'aws.events',
            account: LOCAL_ACCOUNT_ID,
            time: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
            region: 'local',
            resources: [`arn:aws:events:local:${LOCAL_ACCOUNT_ID}:rule/${tick.ruleName}`],
            detail: {},
          };
    void runtime.invokeEvent(deployment, event);
  }

  let reloadsInFlight = 0;
  async function reload(): Promise<number> {
    reloadsInFlight++;
    try {
      const generation = await runtime.reload();
      schedules.reconcile(runtime.table);
      return generation;
    } finally {
      reloadsInFlight--;
    }
  }

  function serveFunction(req: IncomingMessage, res: ServerResponse, match: RouteMatch, rawQueryString: string): void {
    readBody(req, (body) => {
      if (body === 'too-large') return tooLarge(res);
      const deployment = match.target.deployment;
      runtime.invoke(
        deployment,
        {
          kind: 'http',
          method: req.method ?? 'GET',
          rawPath: match.rawPath,
          rawQueryString,
          rawHeaders: req.rawHeaders,
          body,
          routeKey: match.target.routeKey,
          pathParameters: match.pathParameters,
          sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
          protocol: `HTTP/${req.httpVersion}`,
          timeEpoch: now(),
        },
        ({ outcome, requestId, target }) => {
          sendOutcome(res, outcome, requestId, `${deployment.service}.${deployment.function} (version ${target.version.number}, stage ${deployment.stage})`, target.version.config.timeout);
        },
      );
    });
  }

  const serveControl = createControlHandler({ runtime, internalToken: options.internalToken, reload, onError });

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    if (pathname.startsWith('/_sluice/')) {
      void serveControl(req, res, pathname);
      return;
    }
    const lookup = runtime.table.lookup(req.method ?? 'GET', pathname);
    if (!lookup.found) {
      req.resume();
      notFound(res, pathname);
      return;
    }
    serveFunction(req, res, lookup.match, q === -1 ? '' : url.slice(q + 1));
  });
  server.keepAliveTimeout = 65_000;

  await reload();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const pollTimer = setInterval(() => {
    if (reloadsInFlight > 0) return;
    options.store.getRoutingGeneration().then(
      (generation) => {
        if (generation !== runtime.table.generation && reloadsInFlight === 0) reload().catch((error: unknown) => onError(error, 'reload'));
      },
      (error: unknown) => onError(error, 'polling the routing generation'),
    );
  }, options.pollIntervalMs ?? 1000);
  pollTimer.unref();

  let flushing: Promise<void> | undefined;
  function flush(): Promise<void> {
    if (flushing) return flushing;
    const logs = runtime.logs.take();
    const metrics = runtime.metrics.take();
    if (logs.length === 0 && metrics.length === 0) return Promise.resolve();
    flushing = (async () => {
      try {
        if (logs.length > 0) await options.store.appendLogs(logs);
      } catch (error) {
        onError(error, `writing ${logs.length} log lines`);
      }
      try {
        if (metrics.length > 0) await options.store.addMetrics(metrics);
      } catch (error) {
        onError(error, `writing ${metrics.length} metric samples`);
      }
    })().finally(() => {
      flushing = undefined;
    });
    return flushing;
  }
  const flushTimer = setInterval(() => void flush(), options.flushIntervalMs ?? 500);
  flushTimer.unref();
  const reapTimer = setInterval(() => runtime.reapIdleWorkers(), 30_000);
  reapTimer.unref();

  let closing: Promise<void> | undefined;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    reload,
    invoke: (request) => runtime.invokeDirect(request),
    close() {
      closing ??= (async () => {
        clearInterval(pollTimer);
        clearInterval(flushTimer);
        clearInterval(reapTimer);
        schedules.stop();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await runtime.close();
        server.closeAllConnections();
        await stopped;
        await flushing;
        await flush();
      })();
      return closing;
    },
  };
}
