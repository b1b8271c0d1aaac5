export { createSecretBox, loadMasterKey, parseMasterKey } from './secret-box.js';
export type { SecretBox } from './secret-box.js';
export { collectSecretValues, maskText, SECRET_MASK } from './secret-mask.js';
