// Stage names become URL segments and store keys, so they are checked once at the boundary.

import { SluiceError } from '../errors/index.js';

const STAGE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

export function assertStageName(stage: string): void {
  if (!STAGE_NAME.test(stage)) {
    throw new SluiceError('INVALID_NAME', `"${stage}" is not a valid stage name.`, {
      hint: 'Stage names use lowercase letters, digits and dashes, start with a letter and are at most 63 characters.',
    });
  }
}
