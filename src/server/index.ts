export { createApiApp } from './api-app.js';
export type { ApiDependencies } from './api-app.js';
export type { GatewayControl, InvokeOutcome, InvokeRequest } from './ports.js';
