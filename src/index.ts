// Public API of the Sluice package for programs that embed it.
export { startControlPlane } from './composition/index.js';
export type { ControlPlane, ControlPlaneOptions } from './composition/index.js';
export { SluiceError } from './errors/index.js';
export type { ErrorCode, Problem } from './errors/index.js';
