// The part of the store the gateway uses. The gateway runs in its own process and reads what to serve
// from the store, so it keeps serving when the control plane is down.

import type { Store } from '../store/types.js';

export type RuntimeStore = Pick<
  Store,
  'loadRouting' | 'getRoutingGeneration' | 'getArtifact' | 'appendLogs' | 'addMetrics' | 'getTable' | 'tableGet' | 'tablePut' | 'tableDelete' | 'tableQuery'
>;
