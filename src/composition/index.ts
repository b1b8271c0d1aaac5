export { startControlPlane } from './control-plane.js';
export type { ControlPlane, ControlPlaneOptions } from './control-plane.js';
export { parseLogLevel } from './logger.js';
export type { LogLevelName } from './logger.js';
export { SLUICE_VERSION } from '../version.js';
