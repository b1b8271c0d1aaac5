// The store's only public door: open a store, and the port's types. Everything else in this folder is
// implementation.

export { openStore, SQLITE_FILE_NAME } from './open-store.js';
export type { OpenStoreOptions } from './open-store.js';
export { COMMIT_ALIAS_PREFIX, DURATION_BUCKETS_MS } from './types.js';
export { FINISHED_RUN_STATUSES, isFinishedRunStatus } from './pipeline-types.js';
export type * from './types.js';
