// Entry of the gateway process started by `sluice up`: opens the store, starts the gateway, records where it
// listens in <home>/gateway.json, and stops cleanly on SIGTERM/SIGINT. It does not stop when the control
// plane goes away: users' traffic keeps being served on the last persisted routing.
// Its structured JSON log (pino, level from SLUICE_LOG_LEVEL) goes to stdout, which `sluice up` points at
// <home>/gateway.log. Function log lines are masked for secrets before they are stored (masking-store.ts).

import { writeFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { startGateway, type Gateway } from '../runtime/index.js';
import { createRotatingSecretBox, createSecretBox, parseMasterKey } from '../secrets/index.js';
import { openStore } from '../store/index.js';
import { createLogger, parseLogLevel } from './logger.js';
import { maskingStore } from './masking-store.js';

const log = createLogger({ name: 'sluice-gateway', level: parseLogLevel(process.env.SLUICE_LOG_LEVEL, 'SLUICE_LOG_LEVEL'), fd: 1 });

async function main(): Promise<void> {
  const home = required('SLUICE_HOME');
  const host = process.env.SLUICE_GATEWAY_HOST ?? '127.0.0.1';
  const port = Number(process.env.SLUICE_GATEWAY_PORT ?? 4601);
  const token = required('SLUICE_INTERNAL_TOKEN');
  const box = createRotatingSecretBox(createSecretBox(parseMasterKey(required('SLUICE_MASTER_KEY'))));
  // The control plane's own token, if it has one: it opens protected previews too.
  const bootstrapToken = process.env.SLUICE_TOKEN || undefined;
  delete process.env.SLUICE_MASTER_KEY;
  delete process.env.SLUICE_INTERNAL_TOKEN;
  delete process.env.SLUICE_TOKEN;
  const store = await openStore({ home, databaseUrl: process.env.DATABASE_URL || undefined });
  const masking = await maskingStore(store, box);
  const gateway: Gateway = await startGateway({
    store: masking.store,
    logFilter: masking.logFilter,
    decryptSecret: (ciphertext) => box.decrypt(ciphertext),
    host,
    port,
    internalToken: token,
    bootstrapToken,
    cacheDir: join(home, 'cache', 'artifacts'),
    // Its name on the scheduled runs it claims (each run is invoked by one gateway of the processes sharing a
    // database). SLUICE_ROUTING_POLL_MS stretches the fallback polling, e.g. for tests of LISTEN/NOTIFY.
    holder: `${hostname()}:${home}`,
    pollIntervalMs: Number(process.env.SLUICE_ROUTING_POLL_MS) || undefined,
    onError: (error, during) => log.error({ err: error, during }, 'gateway problem'),
    onRecovered: (during, failedAttempts) => log.info({ during, failedAttempts }, 'the store answers again'),
    keyId: () => box.keyId,
    // After `sluice secrets rotate-key`: the store holds text sealed with the new key. Until the reload has
    // replaced the routing's versions, the old key keeps opening what the previous routing holds.
    rotateKey: async (keyHex) => {
      const previous = box.keyId;
      box.rotate(createSecretBox(parseMasterKey(keyHex)));
      try {
        await gateway.reload();
      } finally {
        box.forgetPrevious();
      }
      log.info({ previousKeyId: previous, keyId: box.keyId }, 'master key rotated');
    },
  });
  const record = { pid: process.pid, host, port: gateway.port, url: gateway.url, token };
  await writeFile(join(home, 'gateway.json'), JSON.stringify(record, null, 2), { mode: 0o600 });
  log.info({ url: gateway.url, store: store.dialect, keyId: box.keyId }, 'gateway listening');
  process.send?.({ type: 'ready', record });
  process.on('disconnect', () => undefined);
  // The gateway's one job is to keep answering users. Background work (flushing telemetry, claiming schedule
  // ticks, polling routing) that fails while the store is away must not end the process: log it and go on.
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'background work failed; the gateway keeps serving'));

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log.info('gateway stopping');
    await gateway.close();
    await store.close();
    await rm(join(home, 'gateway.json'), { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; the gateway process is started by \`sluice up\`.`);
  return value;
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  log.fatal({ err: error }, 'gateway failed to start');
  if (process.send) process.send({ type: 'error', error: { code: 'GATEWAY_START_FAILED', message } }, () => process.exit(1));
  else process.exit(1);
});
