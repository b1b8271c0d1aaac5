// Secret masking for the gateway process. One SecretMasker holds the values to mask: every stored secret
// and the secret environment of every routed version, live or by a commit alias (a value changed since a
// version was published is still masked), refreshed whenever the routing reloads (a deploy, a rotation).
// It serves twice:
// - as the runtime's log filter: a masking stream per invocation, which catches a value split across
//   console.log calls or wrapped over lines, before lines are buffered;
// - in the store wrapper, which masks every line once more as it is written, so no secret reaches stored
//   logs even through a path that bypassed the filter.

import type { LogFilter, RuntimeStore } from '../runtime/index.js';
import { collectSecretValues, createMaskingStream, SecretMasker, tryDecrypt, type SecretBox } from '../secrets/index.js';
import type { RoutingSnapshot, Store } from '../store/index.js';

export interface GatewayMasking {
  store: RuntimeStore;
  logFilter: LogFilter;
  masker: SecretMasker;
}

export async function maskingStore(store: Store, box: Pick<SecretBox, 'decrypt'>): Promise<GatewayMasking> {
  const masker = new SecretMasker(await collectSecretValues(store, box));
  const wrapped: RuntimeStore = {
    loadRouting: async () => {
      const snapshot = await store.loadRouting();
      masker.setValues([...(await collectSecretValues(store, box)), ...routedSecretValues(snapshot, box)]);
      return snapshot;
    },
    getRoutingGeneration: () => store.getRoutingGeneration(),
    getArtifact: (hash) => store.getArtifact(hash),
    getVersion: (id) => store.getVersion(id),
    appendLogs: (entries) => store.appendLogs(masker.patterns.length === 0 ? entries : entries.map((e) => ({ ...e, message: masker.mask(e.message) }))),
    addMetrics: (samples) => store.addMetrics(samples),
    getTable: (name) => store.getTable(name),
    tableGet: (table, key) => store.tableGet(table, key),
    tablePut: (table, key, value) => store.tablePut(table, key, value),
    tableDelete: (table, key) => store.tableDelete(table, key),
    tableQuery: (table, prefix, limit) => store.tableQuery(table, prefix, limit),
    claimScheduleTick: (tick) => store.claimScheduleTick(tick),
    onNotification: (channel, listener) => store.onNotification(channel, listener),
    findTokenByHash: (tokenHash) => store.findTokenByHash(tokenHash),
  };
  return { store: wrapped, masker, logFilter: { open: (emit) => createMaskingStream(masker, emit) } };
}

function routedSecretValues(snapshot: RoutingSnapshot, box: Pick<SecretBox, 'decrypt'>): string[] {
  const values: string[] = [];
  for (const service of snapshot.services) {
    // A commit alias may route a version live no longer does.
    for (const fn of [...service.functions, ...Object.values(service.commits ?? {}).flat()]) {
      for (const { version } of fn.targets) {
        for (const ciphertext of Object.values(version.config.secretEnvironment)) {
          const plain = tryDecrypt(box, ciphertext);
          if (plain !== undefined) values.push(plain);
        }
      }
    }
  }
  return values;
}
