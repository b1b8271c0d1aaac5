// The part of the store the gateway uses. The gateway runs in its own process and reads what to serve
// from the store, so it keeps serving when the control plane is down. `getVersion` loads versions that no
// alias routes to (hook functions) when they are invoked directly by id. With several control-plane
// processes, each gateway claims a scheduled run before invoking it (`claimScheduleTick`) and hears of
// routing changes through `onNotification` (PostgreSQL), besides polling the generation. Protected previews
// check a request's token with `findTokenByHash` (preview-access.ts).

import type { Store } from '../store/types.js';

export type RuntimeStore = Pick<
  Store,
  | 'loadRouting'
  | 'getRoutingGeneration'
  | 'getVersion'
  | 'getArtifact'
  | 'appendLogs'
  | 'addMetrics'
  | 'getTable'
  | 'tableGet'
  | 'tablePut'
  | 'tableDelete'
  | 'tableQuery'
  | 'claimScheduleTick'
  | 'onNotification'
  | 'findTokenByHash'
>;
