import { describe, expect, it } from 'vitest';
import type { FunctionSpec, ResolvedService } from '../manifest/index.js';
import { createSecretBox } from '../secrets/index.js';
import { canonicalJson, freezeFunction } from './function-version.js';

const box = createSecretBox(Buffer.alloc(32, 3));
const fn: FunctionSpec = {
  name: 'submit',
  handler: 'src/handler.submit',
  handlerModule: 'src/handler',
  handlerExport: 'submit',
  timeout: 6,
  memory: 256,
  concurrency: 20,
  environment: { TABLE: 'items', API_KEY: 'k-1' },
  events: [{ type: 'http', method: 'POST', path: '/submissions' }],
};
const service = (over: Partial<FunctionSpec> = {}, sensitivePaths: string[] = []): [ResolvedService, FunctionSpec] => {
  const spec = { ...fn, ...over };
  return [{ service: 'api', dir: 'api', runtime: 'node20', functions: { submit: spec }, tables: {}, outputs: {}, deployment: {}, sensitivePaths, rollout: { schedule: { name: 'AllAtOnce', steps: [{ weight: 100, waitMs: 0 }] }, alarms: [], hooks: {} }, routing: {}, hookHandlers: {} }, spec];
};
const id = (over: Partial<FunctionSpec> = {}, code = 'c1', sensitive: string[] = []) => freezeFunction(...service(over, sensitive), code, box).versionId;

describe('freezeFunction', () => {
  it('gives the same content address for the same code and config', () => {
    expect(id()).toBe(id());
    expect(id({ environment: { API_KEY: 'k-1', TABLE: 'items' } })).toBe(id());
  });

  it('makes a new version for a code change and for a config-only change', () => {
    const base = id();
    expect(id({}, 'c2')).not.toBe(base);
    expect(id({ timeout: 7 })).not.toBe(base);
    expect(id({ environment: { ...fn.environment, TABLE: 'other' } })).not.toBe(base);
    expect(id({ events: [] })).not.toBe(base);
  });

  it('stores secret values encrypted, and still tells a changed secret apart', () => {
    const frozen = freezeFunction(...service({}, ['functions.submit.environment.API_KEY']), 'c1', box);
    expect(frozen.config.environment).toEqual({ TABLE: 'items' });
    expect(JSON.stringify(frozen.config)).not.toContain('k-1');
    expect(box.decrypt(frozen.config.secretEnvironment.API_KEY!)).toBe('k-1');
    const rotated = freezeFunction(...service({ environment: { ...fn.environment, API_KEY: 'k-2' } }, ['functions.submit.environment.API_KEY']), 'c1', box);
    expect(rotated.versionId).not.toBe(frozen.versionId);
    // Encryption is randomised, the content address is not.
    expect(freezeFunction(...service({}, ['functions.submit.environment.API_KEY']), 'c1', box).versionId).toBe(frozen.versionId);
  });

  it('serialises objects canonically', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 0 }] } })).toBe('{"a":{"c":[3,{"e":0,"f":1}],"d":2},"b":1}');
  });
});
