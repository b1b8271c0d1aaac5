// Entry of the gateway process started by `sluice up`: opens the store, starts the gateway, records where it
// listens in <home>/gateway.json, and stops cleanly on SIGTERM/SIGINT. It does not stop when the control
// plane goes away: users' traffic keeps being served on the last persisted routing.

import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startGateway } from '../runtime/index.js';
import { createSecretBox, parseMasterKey } from '../secrets/index.js';
import { openStore } from '../store/index.js';
import { maskingStore } from './masking-store.js';

async function main(): Promise<void> {
  const home = required('SLUICE_HOME');
  const host = process.env.SLUICE_GATEWAY_HOST ?? '127.0.0.1';
  const port = Number(process.env.SLUICE_GATEWAY_PORT ?? 4601);
  const token = required('SLUICE_INTERNAL_TOKEN');
  const box = createSecretBox(parseMasterKey(required('SLUICE_MASTER_KEY')));
  delete process.env.SLUICE_MASTER_KEY;
  delete process.env.SLUICE_INTERNAL_TOKEN;
  const store = await openStore({ home, databaseUrl: process.env.DATABASE_URL || undefined });
  const runtimeStore = await maskingStore(store, box);
  const gateway = await startGateway({
    store: runtimeStore,
    decryptSecret: (ciphertext) => box.decrypt(ciphertext),
    host,
    port,
    internalToken: token,
    cacheDir: join(home, 'cache', 'artifacts'),
  });
  const record = { pid: process.pid, host, port: gateway.port, url: gateway.url, token };
  await writeFile(join(home, 'gateway.json'), JSON.stringify(record, null, 2), { mode: 0o600 });
  process.send?.({ type: 'ready', record });
  process.on('disconnect', () => undefined);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
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
  console.error(error);
  if (process.send) process.send({ type: 'error', error: { code: 'GATEWAY_START_FAILED', message } }, () => process.exit(1));
  else process.exit(1);
});
