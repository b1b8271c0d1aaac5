export { ERROR_CODES, SluiceError, isSluiceError, formatProblems } from './sluice-error.js';
export type { ErrorCode, ErrorBody, Problem } from './sluice-error.js';
