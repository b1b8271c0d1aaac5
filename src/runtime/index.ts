// The local runtime's public door: the gateway (HTTP routing to function workers, control endpoints,
// schedules, logs and metrics; weighted, sticky and header-matched version choice; commit URLs and
// protected previews), the store port it needs, and schedule expression parsing for validation.
// The handler-side tables client is the package export `sluice/tables` (tables-client.ts), not this file.

export { startGateway } from './gateway-server.js';
export { bootstrapTokenId, INTERNAL_TOKEN_HEADER } from './control-endpoints.js';
export { VERSION_HEADER } from './gateway-responses.js';
export type { Gateway, GatewayOptions } from './gateway-server.js';
export type { InvokeRequest, InvokeResult, WorkerSettings } from './function-runtime.js';
export type { RuntimeStore } from './runtime-store.js';
export type { LogFilter, LogLineStream } from './log-filter.js';
export { parseScheduleExpression } from './schedule-expression.js';
export type { ScheduleSpec } from './schedule-expression.js';
export { PAYLOAD_LIMIT_BYTES } from './http-response.js';
export { MemoryRuntimeStore } from './testing/memory-runtime-store.js';
export { seededRandom } from './testing/seeded-random.js';
