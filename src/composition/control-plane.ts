// Wires the concrete parts of a control plane together: the store, the master key, the gateway process,
// the engine and the HTTP API. `sluice up` and the demo both start one through here.
// Operations (metrics, key rotation, readiness) are wired in operations.ts; logs are pino JSON on stderr.

import { serve, type ServerType } from '@hono/node-server';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SluiceError } from '../errors/index.js';
import { EventBus, RolloutDriver, systemClock, type Clock, type EngineContext } from '../engine/index.js';
import { createApiApp } from '../server/index.js';
import { createRotatingSecretBox, createSecretBox, loadMasterKey } from '../secrets/index.js';
import { openStore, type Store } from '../store/index.js';
import { startOrAttachGateway, type GatewayHandle } from './gateway-handle.js';
import { recoverKeyFile } from './key-rotation.js';
import { leaseSettings } from './lease-settings.js';
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
  const log = options.logger ?? createLogger({ name: 'sluice-control-plane', level: options.logLevel });
  const store = await openStore({ home, databaseUrl: options.databaseUrl });
  let gateway: GatewayHandle | undefined;
  try {
    const loaded = await loadMasterKey(home, options.masterKey);
    const key = options.masterKey ? loaded : await recoverKeyFile(home, store, loaded, log);
    const secrets = createRotatingSecretBox(createSecretBox(key));
    // prom-client takes a while to load: let it load while the gateway process starts.
    const operationsModule = import('./operations.js');
    gateway = await startOrAttachGateway({
      home,
      host,
      port: options.gatewayPort ?? 4601,
      databaseUrl: options.databaseUrl,
      masterKeyHex: key.toString('hex'),
      logLevel: options.logLevel,
    });
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
    const rollouts = new RolloutDriver(engine, { clock: options.clock ?? systemClock, ...leaseSettings(home, env) });
    await rollouts.resume();
    const { wireOperations } = await operationsModule;
    const operations = await wireOperations({ home, store, box: secrets, keyFromEnvironment: Boolean(options.masterKey), gateway, events, log, version: SLUICE_VERSION });
    const app = createApiApp({
      engine, gateway, rollouts, token: options.token, loopback: LOOPBACK.has(host), version: SLUICE_VERSION,
      log, metrics: operations.metrics, keyRotation: operations.keyRotation, onDeploy: operations.metrics.deployFinished, keyProblem: operations.keyProblem,
    });
    const server = await listen(app.fetch, host, options.port ?? 4600);
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : options.port ?? 4600;
    const apiUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    const handle = gateway;
    log.info({ api: apiUrl, gateway: gateway.url, store: store.dialect, home, keyId: secrets.keyId }, 'control plane listening');
    return {
      apiUrl,
      gatewayUrl: gateway.url,
      store,
      gateway,
      engine,
      rollouts,
      log,
      async close(closeOptions = {}) {
        log.info('control plane stopping');
        await rollouts.stop();
        operations.metrics.close();
        const closed = new Promise<void>((done) => server.close(() => done()));
        // Event streams never end by themselves; a stopping control plane ends them.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        await closed;
        if (!closeOptions.keepGateway) await handle.stop();
        await store.close();
      },
    };
  } catch (error) {
    await gateway?.stop().catch(() => undefined);
    await store.close();
    throw error;
  }
}

function listen(fetch: (request: Request) => Response | Promise<Response>, hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolvePromise, reject) => {
    const server = serve({ fetch, hostname, port }, () => resolvePromise(server));
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(new SluiceError('INVALID_ARGUMENT', `Port ${port} on ${hostname} is already in use.`, { hint: 'Stop the other process, or pass --port with a free port.' }));
      } else reject(error);
    });
  });
}
