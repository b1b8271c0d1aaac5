// Wraps the store the gateway writes function logs through, so secret values (raw or base64) printed by a
// handler never reach stored logs. The set of values is refreshed whenever routing reloads.

import type { RuntimeStore } from '../runtime/index.js';
import { collectSecretValues, maskText, type SecretBox } from '../secrets/index.js';
import type { Store } from '../store/index.js';

export async function maskingStore(store: Store, box: SecretBox): Promise<RuntimeStore> {
  let values = await collectSecretValues(store, box);
  return {
    loadRouting: async () => {
      values = await collectSecretValues(store, box);
      return store.loadRouting();
    },
    getRoutingGeneration: () => store.getRoutingGeneration(),
    getArtifact: (hash) => store.getArtifact(hash),
    getVersion: (id) => store.getVersion(id),
    appendLogs: (entries) => store.appendLogs(values.length === 0 ? entries : entries.map((e) => ({ ...e, message: maskText(e.message, values) }))),
    addMetrics: (samples) => store.addMetrics(samples),
    getTable: (name) => store.getTable(name),
    tableGet: (table, key) => store.tableGet(table, key),
    tablePut: (table, key, value) => store.tablePut(table, key, value),
    tableDelete: (table, key) => store.tableDelete(table, key),
    tableQuery: (table, prefix, limit) => store.tableQuery(table, prefix, limit),
  };
}
