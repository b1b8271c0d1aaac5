// The params a profile gives an app's stages: the app's sluice.app.yml `profiles.NAME.params`, overridden by
// params stored with `sluice params set` (stored ones win at deploy).

import type { ProfileSummary } from './api-types.js';

export interface EffectiveParam {
  name: string;
  value: string;
  source: 'stored' | 'manifest';
  /** The manifest's value a stored param overrides. */
  overrides?: string;
}

export function effectiveParams(profile: ProfileSummary, app: string | null): EffectiveParam[] {
  const manifest = new Map<string, string>();
  for (const entry of profile.manifestParams) {
    if (app !== null && entry.app !== app) continue;
    for (const [name, value] of Object.entries(entry.params)) manifest.set(name, value);
  }
  const params: EffectiveParam[] = Object.entries(profile.params).map(([name, value]) => ({ name, value, source: 'stored', overrides: manifest.get(name) }));
  for (const [name, value] of manifest) if (!(name in profile.params)) params.push({ name, value, source: 'manifest' });
  return params.sort((a, b) => a.name.localeCompare(b.name));
}
