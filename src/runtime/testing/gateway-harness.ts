// Starts a gateway on 127.0.0.1 and a free port over a MemoryRuntimeStore (or a store the test brings), with
// a throwaway cache folder, for tests. The caller registers `close` as teardown right after calling it.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type Gateway, type GatewayOptions } from '../gateway-server.js';
import type { RuntimeStore } from '../runtime-store.js';
import { MemoryRuntimeStore } from './memory-runtime-store.js';

export interface GatewayHarness<S extends RuntimeStore = MemoryRuntimeStore> {
  store: S;
  gateway: Gateway;
  url: string;
  token: string;
  /** fetch against the gateway; json() is loosely typed because tests assert on the shape. */
  request(path: string, init?: RequestInit): Promise<TestResponse>;
  close(): Promise<void>;
}

export type TestGatewayOptions = Partial<Omit<GatewayOptions, 'store' | 'host' | 'port' | 'cacheDir' | 'internalToken'>>;

export async function startTestGateway(setup: (store: MemoryRuntimeStore) => void = () => undefined, options: TestGatewayOptions = {}): Promise<GatewayHarness> {
  const store = new MemoryRuntimeStore();
  setup(store);
  return startGatewayOn(store, options);
}

/** The same over any store, e.g. a real one in a temporary folder (the caller closes the store after the harness). */
export async function startGatewayOn<S extends RuntimeStore>(store: S, options: TestGatewayOptions = {}): Promise<GatewayHarness<S>> {
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
