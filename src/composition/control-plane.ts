// Wires the concrete parts of a control plane together: the store, the master key, the gateway process,
// the engine and the HTTP API. `sluice up` and the demo both start one through here.
// Operations (metrics, key rotation, readiness) are wired in operations.ts; logs are pino JSON on stderr.
//
// Start-up order: users' traffic is served by the gateway process, so it is spawned first, as soon as the
// master key is read. The store (its module alone takes ~100 ms to load) and the API's modules (engine,
// server, pipeline, operations: a few hundred ms) load and open meanwhile, in parallel with the gateway's
// own start. Both processes may migrate a new store at once: the store orders that (src/store/open-store.ts).
// Only an interrupted key rotation needs the store first, to tell which key opens it.

import type { ServerType } from '@hono/node-server';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SluiceError } from '../errors/index.js';
import type { Clock, EngineContext, RolloutDriver } from '../engine/index.js';
import type { Pipeline } from '../pipeline/index.js';
import { createRotatingSecretBox, createSecretBox, loadMasterKey, nextMasterKeyPath } from '../secrets/index.js';
import type { Store } from '../store/index.js';
import { startOrAttachGateway, type GatewayHandle } from './gateway-handle.js';
import { createLogger, engineLog, type LogLevelName, type Logger } from './logger.js';
import { SLUICE_VERSION } from '../version.js';

export interface ControlPlaneOptions {
  home: string;
  host?: string;
  port?: number;
  gatewayPort?: number;
  databaseUrl?: string;
  /** Required when binding anything but loopback. */
  token?: string;
  masterKey?: string;
  env?: Record<string, string | undefined>;
  clock?: Clock;
  /** Level of the JSON logs (control plane on stderr, gateway in <home>/gateway.log). Default info. */
  logLevel?: LogLevelName;
  /** The control plane's logger; default: pino on stderr at logLevel. */
  logger?: Logger;
}

export interface ControlPlane {
  apiUrl: string;
  gatewayUrl: string;
  store: Store;
  gateway: GatewayHandle;
  engine: EngineContext;
  rollouts: RolloutDriver;
  pipeline: Pipeline;
  log: Logger;
  /** Stops the API, the gateway process and the store. */
  close(options?: { keepGateway?: boolean }): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const home = resolve(options.home);
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host) && !options.token) {
    throw new SluiceError('INVALID_ARGUMENT', `Binding ${host} exposes the control plane beyond this machine, and no token is set.`, {
      hint: 'Set SLUICE_TOKEN to a long random value (the CLI sends the same variable), or bind 127.0.0.1.',
    });
  }
  await mkdir(home, { recursive: true });
  const env = options.env ?? process.env;
  // Created once the gateway is spawned (loading pino would delay it), or earlier when a key rotation needs it.
  let logger: Logger | undefined;
  const createLog = () => (logger ??= options.logger ?? createLogger({ name: 'sluice-control-plane', level: options.logLevel }));
  const openStore = async () => (await import('../store/index.js')).openStore({ home, databaseUrl: options.databaseUrl });
  let store: Store | undefined;
  let gatewayStarting: Promise<GatewayHandle> | undefined;
  let gateway: GatewayHandle | undefined;
  try {
    const loaded = await loadMasterKey(home, options.masterKey);
    let key = loaded;
    if (!options.masterKey && existsSync(nextMasterKeyPath(home))) {
      store = await openStore();
      key = await (await import('./key-rotation.js')).recoverKeyFile(home, store, loaded, createLog());
    }
    const secrets = createRotatingSecretBox(createSecretBox(key));
    gatewayStarting = startOrAttachGateway({
      home,
      host,
      port: options.gatewayPort ?? 4601,
      databaseUrl: options.databaseUrl,
      masterKeyHex: key.toString('hex'),
      logLevel: options.logLevel,
      bootstrapToken: options.token,
    });
    gatewayStarting.catch(() => undefined); // awaited below, after the store
    const apiModules = loadApiModules();
    apiModules.catch(() => undefined); // awaited below
    const log = createLog();
    const opened = (store ??= await openStore());
    gateway = await gatewayStarting;
    const { EventBus, RolloutDriver, systemClock, createApiApp, createGithubHost, Pipeline, leaseSettings, wireOperations, serve } = await apiModules;
    const events = new EventBus();
    const engine: EngineContext = {
      store,
      secrets,
      routing: gateway,
      invoker: gateway,
      events,
      gatewayUrl: gateway.url,
      env,
      region: 'local',
      now: () => Date.now(),
      log: engineLog(log),
    };
    // Several processes on one PostgreSQL share the rollouts through leases (src/engine/rollout-claims.ts).
    const leases = leaseSettings(home, env);
    const clock = options.clock ?? systemClock;
    const rollouts = new RolloutDriver(engine, { clock, ...leases });
    await rollouts.resume();
    let apiUrl = '';
    const pipeline = new Pipeline({
      engine,
      rollouts,
      dir: join(home, 'pipeline'),
      clock,
      apiUrl: () => env.SLUICE_PUBLIC_URL?.replace(/\/$/, '') || apiUrl,
      gitHost: env.SLUICE_GITHUB_TOKEN ? createGithubHost({ token: env.SLUICE_GITHUB_TOKEN, baseUrl: env.SLUICE_GITHUB_API_URL || undefined, commentAuthor: env.SLUICE_GITHUB_LOGIN || undefined }) : null,
      controlToken: options.token,
      ...leases,
    });
    const operations = await wireOperations({ home, store, box: secrets, keyFromEnvironment: Boolean(options.masterKey), gateway, events, log, version: SLUICE_VERSION });
    const app = createApiApp({
      engine, gateway, rollouts, token: options.token, loopback: LOOPBACK.has(host), version: SLUICE_VERSION,
      log, metrics: operations.metrics, keyRotation: operations.keyRotation, onDeploy: operations.metrics.deployFinished, keyProblem: operations.keyProblem,
      pipeline,
    });
    const server = await listen(serve, app.fetch, host, options.port ?? 4600);
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : options.port ?? 4600;
    apiUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    // Runs resume once the API answers: their links and the checks' SLUICE_URL point at it.
    await pipeline.start();
    const handle = gateway;
    log.info({ api: apiUrl, gateway: gateway.url, store: store.dialect, home, keyId: secrets.keyId }, 'control plane listening');
    return {
      apiUrl,
      gatewayUrl: gateway.url,
      store,
      gateway,
      engine,
      rollouts,
      pipeline,
      log,
      async close(closeOptions = {}) {
        log.info('control plane stopping');
        await pipeline.stop();
        await rollouts.stop();
        operations.metrics.close();
        const closed = new Promise<void>((done) => server.close(() => done()));
        // Event streams never end by themselves; a stopping control plane ends them.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        await closed;
        if (!closeOptions.keepGateway) await handle.stop();
        await opened.close();
      },
    };
  } catch (error) {
    const started = gateway ?? (await gatewayStarting?.catch(() => undefined));
    await started?.stop().catch(() => undefined);
    await store?.close();
    throw error;
  }
}

/** What the API needs beyond the gateway's start: loaded in parallel with it (see the header). */
async function loadApiModules() {
  const [engine, server, pipeline, leases, operations, nodeServer] = await Promise.all([
    import('../engine/index.js'),
    import('../server/index.js'),
    import('../pipeline/index.js'),
    import('./lease-settings.js'),
    import('./operations.js'),
    import('@hono/node-server'),
  ]);
  return {
    EventBus: engine.EventBus,
    RolloutDriver: engine.RolloutDriver,
    systemClock: engine.systemClock,
    createApiApp: server.createApiApp,
    createGithubHost: pipeline.createGithubHost,
    Pipeline: pipeline.Pipeline,
    leaseSettings: leases.leaseSettings,
    wireOperations: operations.wireOperations,
    serve: nodeServer.serve,
  };
}

function listen(
  serve: typeof import('@hono/node-server').serve,
  fetch: (request: Request) => Response | Promise<Response>,
  hostname: string,
  port: number,
): Promise<ServerType> {
  return new Promise((resolvePromise, reject) => {
    const server = serve({ fetch, hostname, port }, () => resolvePromise(server));
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(new SluiceError('INVALID_ARGUMENT', `Port ${port} on ${hostname} is already in use.`, { hint: 'Stop the other process, or pass --port with a free port.' }));
      } else reject(error);
    });
  });
}
