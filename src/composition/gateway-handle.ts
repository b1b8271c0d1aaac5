// The gateway runs as its own process, so it keeps serving when the control plane stops or dies.
// This module starts it (or re-attaches to one still running for the same home) and talks to its
// control endpoints: reload after a routing change, direct invoke, health, metrics, a new master key.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SluiceError } from '../errors/index.js';
import { packagePath } from '../package-root.js';
import type { FunctionInvoker, RoutingNotifier } from '../engine/index.js';
import { createSecretBox } from '../secrets/index.js';
import type { GatewayControl, InvokeOutcome, InvokeRequest } from '../server/index.js';

export interface GatewayRecord {
  pid: number;
  host: string;
  port: number;
  url: string;
  token: string;
}

export interface GatewayHandle extends GatewayControl, RoutingNotifier, Required<Pick<FunctionInvoker, 'warm'>> {
  readonly record: GatewayRecord;
  /** GatewayControl's health, with which SLUICE_TOKEN the gateway holds (control-endpoints.ts bootstrapTokenId). */
  health(): Promise<{ ok: boolean; generation: number; keyId?: string; bootstrapTokenId?: string | null }>;
  /** Stops the gateway process and waits for it to exit. */
  stop(): Promise<void>;
  metrics(): Promise<string>;
  /** Hands the gateway the new master key after a rotation re-encrypted the store; it reloads its routing. */
  rotateKey(keyHex: string): Promise<void>;
}

export interface GatewayLaunch {
  home: string;
  host: string;
  port: number;
  databaseUrl?: string;
  masterKeyHex: string;
  /** The gateway process's log level (its JSON log is <home>/gateway.log). */
  logLevel?: string;
  /** Stop a running gateway of this home and start a fresh one. */
  fresh?: boolean;
  /** The control plane's SLUICE_TOKEN; the gateway accepts it on protected previews (through its environment, not argv). */
  bootstrapToken?: string;
}

const recordFile = (home: string) => join(home, 'gateway.json');

/** With no gateway of this home running, the process is spawned before this returns (nothing is awaited first). */
export async function startOrAttachGateway(launch: GatewayLaunch): Promise<GatewayHandle> {
  const existing = readRecord(launch.home);
  if (existing && isAlive(existing.pid)) {
    const samePort = launch.port === 0 || existing.port === launch.port;
    const handle = gatewayHandle(existing);
    // A gateway holding another master key (SLUICE_MASTER_KEY changed) could not open the store's secrets.
    const keyId = createSecretBox(Buffer.from(launch.masterKeyHex, 'hex')).keyId;
    // Nor would one holding another SLUICE_TOKEN open protected previews to the token this control plane takes.
    // Loaded here, not up front, and alone: `sluice up` spawns a new gateway before it needs the runtime's modules.
    const { bootstrapTokenId } = await import('../runtime/control-endpoints.js');
    const tokenId = bootstrapTokenId(existing.token, launch.bootstrapToken);
    const healthy = await handle.health().then(
      (h) => h.ok && (h.keyId === undefined || h.keyId === keyId) && (h.bootstrapTokenId === undefined || h.bootstrapTokenId === tokenId),
      () => false,
    );
    if (!launch.fresh && samePort && existing.host === launch.host && healthy) return handle;
    await handle.stop();
  }
  return spawnGateway(launch);
}

async function spawnGateway(launch: GatewayLaunch): Promise<GatewayHandle> {
  // The tsc build of the gateway, not a bundle: see scripts/bundle.mjs.
  const entry = packagePath('dist', 'composition', 'gateway-process.js');
  if (!existsSync(entry)) throw new SluiceError('INTERNAL', `The gateway entry ${entry} is missing; run npm run build.`);
  const token = randomBytes(24).toString('hex');
  const logFd = openSync(join(launch.home, 'gateway.log'), 'a');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SLUICE_HOME: launch.home,
    SLUICE_GATEWAY_HOST: launch.host,
    SLUICE_GATEWAY_PORT: String(launch.port),
    SLUICE_INTERNAL_TOKEN: token,
    SLUICE_MASTER_KEY: launch.masterKeyHex,
    SLUICE_LOG_LEVEL: launch.logLevel ?? 'info',
  };
  if (launch.databaseUrl) env.DATABASE_URL = launch.databaseUrl;
  else delete env.DATABASE_URL;
  if (launch.bootstrapToken) env.SLUICE_TOKEN = launch.bootstrapToken;
  else delete env.SLUICE_TOKEN;
  const child = spawn(process.execPath, [entry], { detached: true, stdio: ['ignore', logFd, logFd, 'ipc'], env });
  closeSync(logFd);
  const record = await new Promise<GatewayRecord>((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new SluiceError('GATEWAY_UNAVAILABLE', `The gateway process exited during start-up (code ${code}); see ${join(launch.home, 'gateway.log')}.`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.on('message', (message: { type?: string; record?: GatewayRecord; error?: { code: string; message: string } }) => {
      child.off('exit', onExit);
      if (message.type === 'ready' && message.record) resolve(message.record);
      else reject(new SluiceError('GATEWAY_UNAVAILABLE', `The gateway failed to start: ${message.error?.message ?? 'unknown error'}.`));
    });
  });
  child.disconnect();
  child.unref();
  return gatewayHandle(record);
}

function readRecord(home: string): GatewayRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordFile(home), 'utf8')) as GatewayRecord;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function gatewayHandle(record: GatewayRecord): GatewayHandle {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(record.url + path, {
        method,
        headers: { 'x-sluice-internal-token': record.token, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (cause) {
      throw new SluiceError('GATEWAY_UNAVAILABLE', `The gateway at ${record.url} does not answer.`, { cause });
    }
    const payload = (await response.json().catch(() => ({}))) as T & { code?: string; message?: string };
    if (!response.ok) throw new SluiceError('INVOKE_FAILED', `The gateway answered ${response.status}: ${payload.message ?? 'no message'}.`);
    return payload;
  };
  return {
    record,
    url: record.url,
    async routingChanged() {
      await call('POST', '/_sluice/reload', {});
    },
    invoke: (request: InvokeRequest) => call<InvokeOutcome>('POST', '/_sluice/invoke', request),
    async warm(functions) {
      await call('POST', '/_sluice/warm', { functions });
    },
    health: () => call<{ ok: boolean; generation: number; keyId?: string; bootstrapTokenId?: string | null }>('GET', '/_sluice/health'),
    async metrics() {
      let response: Response;
      try {
        response = await fetch(record.url + '/_sluice/metrics', { headers: { 'x-sluice-internal-token': record.token }, signal: AbortSignal.timeout(5000) });
      } catch (cause) {
        throw new SluiceError('GATEWAY_UNAVAILABLE', `The gateway at ${record.url} does not answer.`, { cause });
      }
      if (!response.ok) throw new SluiceError('GATEWAY_UNAVAILABLE', `The gateway answered ${response.status} for its metrics.`);
      return response.text();
    },
    async rotateKey(keyHex: string) {
      await call('POST', '/_sluice/rotate-key', { key: keyHex });
    },
    async stop() {
      if (!isAlive(record.pid)) return;
      process.kill(record.pid, 'SIGTERM');
      const deadline = Date.now() + 5000;
      while (isAlive(record.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      if (isAlive(record.pid)) process.kill(record.pid, 'SIGKILL');
    },
  };
}

export async function forgetGateway(home: string, pid: number): Promise<void> {
  const record = readRecord(home);
  if (record?.pid === pid) await rm(recordFile(home), { force: true });
}
