// Starts a gateway on 127.0.0.1 and a free port over a MemoryRuntimeStore, with a throwaway cache
// folder, for tests. The caller registers `close` as teardown right after calling it.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type Gateway, type GatewayOptions } from '../gateway-server.js';
import { MemoryRuntimeStore } from './memory-runtime-store.js';

export interface GatewayHarness {
  store: MemoryRuntimeStore;
  gateway: Gateway;
  url: string;
  token: string;
  /** `fetch` on the gateway with a path. */
  /** fetch against the gateway; json() is loosely typed because tests assert on the shape. */
  request(path: string, init?: RequestInit): Promise<TestResponse>;
  close(): Promise<void>;
}

export async function startTestGateway(
  setup: (store: MemoryRuntimeStore) => void = () => undefined,
  options: Partial<Omit<GatewayOptions, 'store' | 'host' | 'port' | 'cacheDir' | 'internalToken'>> = {},
): Promise<GatewayHarness> {
  const store = new MemoryRuntimeStore();
  setup(store);
  const cacheDir = await mkdtemp(join(tmpdir(), 'sluice-runtime-test-'));
  const token = 'test-internal-token';
  const gateway = await startGateway({
    store,
    decryptSecret: (ciphertext) => ciphertext.replace(/^enc:/, ''),
    host: '127.0.0.1',
    port: 0,
    internalToken: token,
    cacheDir,
    flushIntervalMs: 50,
    pollIntervalMs: 100,
    onError: () => undefined,
    ...options,
  });
  return {
    store,
    gateway,
    url: gateway.url,
    token,
    request: (path, init) => fetch(`${gateway.url}${path}`, init) as Promise<TestResponse>,
    async close() {
      await gateway.close();
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}

export type TestResponse = Omit<Response, 'json'> & { json(): Promise<any> };
