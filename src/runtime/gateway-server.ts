// The gateway: a plain node:http server (no framework on the hot path) that routes
// `/{app}/{stage}/{service}/…` to the live versions of functions and `/c/{sha7}/{app}/{stage}/{service}/…`
// to the versions a commit deployed (a preview's commit URLs), asking protected previews for a Sluice token
// (preview-access.ts), plus the `/_sluice/*` control endpoints the control plane uses. It reads what to
// serve from the store, reloading when told to and, as a fallback, when the store's routing generation
// changes. Logs and metrics are flushed in batches.
// It needs nothing from the control plane (a separate process that may be down or restarting): routing,
// bundles and versions come from the store. When the store itself fails (a PostgreSQL restart), the last
// routing keeps serving, logs and metrics wait in bounded buffers, polling and flushing retry every tick,
// and each episode is reported once.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { bootstrapTokenId, createControlHandler } from './control-endpoints.js';
import { FunctionRuntime, type InvokeRequest, type InvokeResult, type WorkerSettings } from './function-runtime.js';
import { EventLoopPacing } from './dispatch-pacing.js';
import { FailureEpisodes } from './failure-episodes.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import type { LogFilter } from './log-filter.js';
import { notFound, noTraffic, previewProtected, sendOutcome, tokenCheckFailed } from './gateway-responses.js';
import { LOCAL_ACCOUNT_ID } from './http-event.js';
import { readBody, tooLarge } from './request-body.js';
import { PreviewAccess } from './preview-access.js';
import type { RouteMatch } from './route-table.js';
import { RoutingWatcher } from './routing-listener.js';
import type { RuntimeStore } from './runtime-store.js';
import { ScheduleRunner, type ScheduleTick } from './schedule-runner.js';
import { TelemetryFlusher } from './telemetry-flusher.js';
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
  /** Fallback polling of getRoutingGeneration() (PostgreSQL also notifies). Default 1000 ms. */
  pollIntervalMs?: number;
  /** This gateway's name on the scheduled runs it claims. Default `host:pid`. */
  holder?: string;
  /** Logs and metrics flush interval. Default 100 ms (see the flush timer). */
  flushIntervalMs?: number;
  now?: () => number;
  /** Weighted version choice for requests without a sticky key or match; [0, 1). Default Math.random. */
  random?: () => number;
  workers?: WorkerSettings;
  /**
   * Problems of the gateway itself (store unreachable, flush failed). A failure that repeats every poll or
   * flush tick is reported once per episode. Default: console.error.
   */
  onError?: (error: unknown, during: string) => void;
  /** The end of such an episode, with how many attempts failed. Default: console.error. */
  onRecovered?: (during: string, failedAttempts: number) => void;
  /** Function log lines pass through it, per invocation, before they are buffered (secret masking). */
  logFilter?: LogFilter;
  /**
   * Takes a new master key (POST /_sluice/rotate-key, after `sluice secrets rotate-key` re-encrypted the
   * store); it reloads the routing itself. Without it the endpoint answers 404.
   */
  rotateKey?: (keyHex: string) => Promise<void>;
  /** Fingerprint of the master key in use, shown by GET /_sluice/health so a control plane can tell. */
  keyId?: () => string;
  /** The control plane's SLUICE_TOKEN: besides the store's API tokens, it opens protected previews. */
  bootstrapToken?: string;
  /** How long the answer for a preview token is cached (valid and invalid alike). Default 5000 ms. */
  previewTokenCacheMs?: number;
}

export interface Gateway {
  url: string;
  port: number;
  /** Reloads the routing from the store; resolves with the generation now served. */
  reload(): Promise<number>;
  /** Invokes a function directly, like `aws lambda invoke`: a live version by weight, or `versionId` exactly. */
  invoke(request: InvokeRequest): Promise<InvokeResult>;
  close(): Promise<void>;
}

/** Reading the routing failed (polling the generation or reloading); the last routing keeps serving. */
export const READING_ROUTING = 'reading the routing from the store (the last routing keeps serving)';

/** A scheduled run could not be claimed: it is skipped rather than risk running twice. */
export const CLAIMING_SCHEDULED_RUNS = 'claiming scheduled runs in the store (runs are skipped meanwhile)';

/** A protected preview's token could not be looked up: its requests get 503 meanwhile. */
export const CHECKING_PREVIEW_TOKENS = 'checking tokens of protected previews in the store (they answer 503 meanwhile)';

/** The client's address as API Gateway reports it (IPv4-mapped IPv6 as plain IPv4). */
function sourceIpOf(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const now = options.now ?? Date.now;
  const onError = options.onError ?? ((error: unknown, during: string) => console.error(`[sluice gateway] ${during}:`, error));
  const onRecovered =
    options.onRecovered ?? ((during: string, failedAttempts: number) => console.error(`[sluice gateway] ${during}: the store answers again after ${failedAttempts} failed attempts`));
  const episodes = new FailureEpisodes(onError, onRecovered);
  const previewAccess = new PreviewAccess({ store: options.store, bootstrapToken: options.bootstrapToken, now, cacheMs: options.previewTokenCacheMs });
  // prom-client takes a while to load: it loads while the first routing does, and is there before the
  // gateway listens. The gauges read the runtime at scrape time; the runtime reports invocations to it.
  const loaded: { metrics?: GatewayMetrics } = {};
  const metricsLoaded = import('./gateway-metrics.js').then(({ GatewayMetrics }) => new GatewayMetrics({
    workers: () => runtime.workerCount,
    routedVersions: () => runtime.table.versionCount,
    routingGeneration: () => runtime.table.generation,
  }));
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
      pacing: options.workers?.pacing ?? new EventLoopPacing(),
    },
    logFilter: options.logFilter,
    onInvocation: (target, kind, durationMs) => loaded.metrics?.invocation(target, kind, durationMs),
  });

  const schedules = new ScheduleRunner({
    onTick: (tick, scheduledAt) => claimScheduledRun(tick, scheduledAt),
    onInvalid: (deployment, schedule, message) => {
      runtime.logs.add(deployment.targets[0].origin, '', 'system', `Schedule "${schedule.expression}" does not run: ${message}`);
    },
  });

  // Every gateway fires every run; the one whose claim lands in the store invokes it, so each run happens
  // once however many control-plane processes serve.
  const holder = options.holder ?? `${hostname()}:${process.pid}`;
  function claimScheduledRun(tick: ScheduleTick, scheduledAt: number): void {
    const deployment = runtime.table.functions.get(tick.functionKey);
    if (deployment === undefined || runtime.route(deployment, undefined) === undefined) return;
    const { app, stage, service, function: fn } = deployment;
    options.store.claimScheduleTick({ app, stage, service, function: fn, schedule: tick.scheduleKey, scheduledAt, holder }).then(
      (won) => {
        episodes.succeeded(CLAIMING_SCHEDULED_RUNS);
        if (won) runSchedule(tick, scheduledAt);
      },
      (error: unknown) => episodes.failed(CLAIMING_SCHEDULED_RUNS, error),
    );
  }

  function runSchedule(tick: ScheduleTick, at: number): void {
    const deployment = runtime.table.functions.get(tick.functionKey);
    const target = deployment === undefined ? undefined : runtime.route(deployment, undefined);
    if (deployment === undefined || target === undefined) return;
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
    void runtime.invokeEvent(deployment, target, event);
  }

  let reloadsInFlight = 0;
  async function reload(): Promise<number> {
    reloadsInFlight++;
    try {
      const generation = await runtime.reload();
      schedules.reconcile(runtime.table);
      episodes.succeeded(READING_ROUTING);
      return generation;
    } finally {
      reloadsInFlight--;
    }
  }

  /** `rawHeaders` and `rawQueryString` are what the handler sees; versions are chosen on the request's own headers. */
  function serveFunction(req: IncomingMessage, res: ServerResponse, match: RouteMatch, pathname: string, rawHeaders: string[], rawQueryString: string): void {
    readBody(req, (body) => {
      if (body === 'too-large') return tooLarge(res);
      const deployment = match.target.deployment;
      const target = runtime.route(deployment, req.rawHeaders);
      if (target === undefined) return noTraffic(res, pathname, deployment);
      runtime.invoke(
        deployment,
        target,
        {
          kind: 'http',
          method: req.method ?? 'GET',
          rawPath: match.rawPath,
          rawQueryString,
          rawHeaders,
          body,
          routeKey: match.target.routeKey,
          pathParameters: match.pathParameters,
          sourceIp: sourceIpOf(req),
          protocol: req.httpVersion === '1.1' ? 'HTTP/1.1' : `HTTP/${req.httpVersion}`,
          timeEpoch: now(),
        },
        ({ outcome, requestId }) => sendOutcome(res, outcome, requestId, deployment, target),
      );
    });
  }

  function serveProtected(req: IncomingMessage, res: ServerResponse, match: RouteMatch, pathname: string, rawQueryString: string): void {
    previewAccess.admit(req.rawHeaders, rawQueryString).then(
      (admitted) => {
        episodes.succeeded(CHECKING_PREVIEW_TOKENS);
        if (admitted !== undefined) return serveFunction(req, res, match, pathname, admitted.rawHeaders, admitted.rawQueryString);
        req.resume();
        previewProtected(res, match.target.deployment);
      },
      (error: unknown) => {
        episodes.failed(CHECKING_PREVIEW_TOKENS, error);
        req.resume();
        tokenCheckFailed(res);
      },
    );
  }

  const tokenId = bootstrapTokenId(options.internalToken, options.bootstrapToken);
  const serveControl = createControlHandler({
    runtime, internalToken: options.internalToken, reload, onError, metrics: () => loaded.metrics!, rotateKey: options.rotateKey, keyId: options.keyId, bootstrapTokenId: tokenId,
  });

  // One listener shared by every response (a closure per request costs more than the count itself).
  function countResponse(this: ServerResponse): void {
    loaded.metrics!.response(this.statusCode);
  }

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    if (pathname.startsWith('/_sluice/')) {
      void serveControl(req, res, pathname);
      return;
    }
    res.on('finish', countResponse);
    const lookup = runtime.table.lookup(req.method ?? 'GET', pathname);
    if (!lookup.found) {
      req.resume();
      notFound(res, pathname, lookup);
      return;
    }
    const rawQueryString = q === -1 ? '' : url.slice(q + 1);
    if (lookup.match.target.deployment.protected) serveProtected(req, res, lookup.match, pathname, rawQueryString);
    else serveFunction(req, res, lookup.match, pathname, req.rawHeaders, rawQueryString);
  });
  server.keepAliveTimeout = 65_000;

  await reload();
  loaded.metrics = await metricsLoaded;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  // Polling, and on PostgreSQL a notification from whichever process changed the routing, start a check;
  // one at a time, so a store that hangs (a restarting PostgreSQL) does not pile up a query per tick.
  const routingWatcher = new RoutingWatcher({
    store: options.store,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    check: async () => {
      if (reloadsInFlight > 0) return;
      try {
        const generation = await options.store.getRoutingGeneration();
        if (generation !== runtime.table.generation && reloadsInFlight === 0) await reload();
        else episodes.succeeded(READING_ROUTING);
      } catch (error) {
        episodes.failed(READING_ROUTING, error);
      }
    },
  });
  await routingWatcher.start();

  const telemetry = new TelemetryFlusher(options.store, runtime.logs, runtime.metrics, episodes, onError);
  // Metrics reach the store within 100 ms: rollout alarms judge canaries on them, several times per
  // period (src/engine/rollout/rollout-transitions.ts), and every ms of lag is failed canary calls. A flush
  // with nothing buffered costs nothing; a busy one is one statement per 500 samples.
  const flushTimer = setInterval(() => void telemetry.flush(), options.flushIntervalMs ?? 100);
  flushTimer.unref();
  const idleMs = options.workers?.idleMs ?? 10 * 60_000;
  const reapTimer = setInterval(() => runtime.reapIdleWorkers(), Math.max(10, Math.min(30_000, idleMs)));
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
        await routingWatcher.close();
        clearInterval(flushTimer);
        clearInterval(reapTimer);
        schedules.stop();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await runtime.close();
        server.closeAllConnections();
        await stopped;
        await telemetry.drain();
      })();
      return closing;
    },
  };
}
