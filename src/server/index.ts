export { createApiApp } from './api-app.js';
export type { ApiDependencies } from './api-app.js';
export type { GatewayControl, InvokeOutcome, InvokeRequest } from './ports.js';
export type { DeployObserver, KeyRotation, KeyRotationRequest, KeyRotationResult, MetricsExposition, ServerLog } from './ports.js';
export type { AuditEntry } from './audit-routes.js';
export type { CreatedToken } from './token-routes.js';
