// Test helpers for manifest resolution: a ResolutionContext that finds nothing unless told, and the
// SluiceError a promise rejects with.

import { isSluiceError, type SluiceError } from '../../errors/index.js';
import type { ResolutionContext } from '../types.js';

export function emptyResolutionContext(overrides: Partial<ResolutionContext> = {}): ResolutionContext {
  return {
    stage: 'dev',
    region: 'local',
    cliParams: {},
    profile: 'dev',
    storedParams: {},
    env: {},
    secret: async () => undefined,
    output: async () => undefined,
    selfExtras: {},
    ...overrides,
  };
}

export async function sluiceErrorOf(promise: Promise<unknown>): Promise<SluiceError> {
  try {
    await promise;
  } catch (error) {
    if (isSluiceError(error)) return error;
    throw error;
  }
  throw new Error('expected a SluiceError');
}
