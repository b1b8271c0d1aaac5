import { describe, expect, it } from 'vitest';
import { profileForStage } from './profile-for-stage.js';
import type { AppManifest } from './types.js';

function appWithStages(stages: AppManifest['stages']): AppManifest {
  return { app: 'shop', file: '/app/sluice.app.yml', services: [], params: {}, profiles: {}, stages, notifications: [] };
}

describe('profileForStage', () => {
  it("takes the stage's own profile, then the '*' profile, then default", () => {
    const app = appWithStages({ prod: { profile: 'production' }, '*': { profile: 'dev' } });
    expect(profileForStage(app, 'prod')).toBe('production');
    expect(profileForStage(app, 'alice')).toBe('dev');
    expect(profileForStage(appWithStages({ prod: { profile: 'production' } }), 'alice')).toBe('default');
  });

  it('does not mistake inherited object keys for stages', () => {
    expect(profileForStage(appWithStages({}), 'constructor')).toBe('default');
  });
});
