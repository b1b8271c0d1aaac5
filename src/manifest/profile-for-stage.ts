// Which profile a stage gets: the one its `stages:` entry names, else the `'*'` entry's, else `default`.
import type { AppManifest } from './types.js';

export const DEFAULT_PROFILE = 'default';

export function profileForStage(app: AppManifest, stage: string): string {
  if (Object.hasOwn(app.stages, stage)) return app.stages[stage].profile;
  if (Object.hasOwn(app.stages, '*')) return app.stages['*'].profile;
  return DEFAULT_PROFILE;
}
