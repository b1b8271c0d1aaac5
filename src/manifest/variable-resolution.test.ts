import { describe, expect, it } from 'vitest';
import { parseApp } from './parse-app.js';
import { resolveService } from './resolve-service.js';
import type { LoadedApp, OutputAddress, ResolutionContext } from './types.js';
import { emptyResolutionContext, sluiceErrorOf } from './testing/resolution-fixtures.js';

const APP = ['app: shop', 'services: [api]', 'params: { region_name: manifest-default }', 'profiles:', '  dev: { params: { env: dev } }'].join('\n');

function load(serviceLines: string[], app = APP): LoadedApp {
  return parseApp({ root: '/app', files: { 'sluice.app.yml': app, 'api/sluice.yml': `${serviceLines.join('\n')}\n` } });
}

const context = (overrides: Partial<ResolutionContext> = {}) => emptyResolutionContext({ stage: 'alice', profile: 'dev', ...overrides });

/** The resolved environment of function `f` for a service whose `environment:` holds `entries` (lines 5 onwards). */
async function environmentOf(entries: string[], ctx: Partial<ResolutionContext> = {}, extra: string[] = []): Promise<Record<string, string>> {
  const loaded = load(['service: api', 'functions:', '  f: { handler: src/f.run }', 'environment:', ...entries, ...extra]);
  return (await resolveService(loaded, 'api', context(ctx))).functions.f.environment;
}

const errorOf = sluiceErrorOf;

describe('variable sources', () => {
  it('resolves opt:stage and opt:region', async () => {
    expect(await environmentOf(['  S: ${opt:stage}', '  R: ${opt:region}'])).toEqual({ S: 'alice', R: 'local' });
  });

  it('resolves env from the context only', async () => {
    expect(await environmentOf(['  H: ${env:HOME_DIR}'], { env: { HOME_DIR: '/home/a' } })).toEqual({ H: '/home/a' });
  });

  it('resolves secrets through the context, fetching each secret once', async () => {
    const asked: string[] = [];
    const secret = async (name: string) => (asked.push(name), name === 'API_KEY' ? 's3cret' : undefined);
    expect(await environmentOf(['  A: ${secret:API_KEY}', '  B: x-${secret:API_KEY}'], { secret })).toEqual({ A: 's3cret', B: 'x-s3cret' });
    expect(asked).toEqual(['API_KEY']);
  });

  it('resolves outputs in the short form with the current app, stage and region', async () => {
    const addresses: OutputAddress[] = [];
    const output = async (address: OutputAddress) => (addresses.push(address), 'table-1');
    expect(await environmentOf(['  T: ${output:database.tableName}'], { output })).toEqual({ T: 'table-1' });
    expect(addresses).toEqual([{ app: 'shop', stage: 'alice', region: 'local', service: 'database', key: 'tableName' }]);
  });

  it('resolves outputs in the long form, blanks defaulting and parts nested', async () => {
    const addresses: OutputAddress[] = [];
    const output = async (address: OutputAddress) => (addresses.push(address), `${address.stage}-value`);
    const environment = await environmentOf(['  T: ${output::${param:env}::database.tableName}', '  U: ${output:other:prod:eu:billing.url}'], { output });
    expect(environment).toEqual({ T: 'dev-value', U: 'prod-value' });
    expect(addresses).toEqual([
      { app: 'shop', stage: 'dev', region: 'local', service: 'database', key: 'tableName' },
      { app: 'other', stage: 'prod', region: 'eu', service: 'billing', key: 'url' },
    ]);
  });

  it('resolves self recursively, into lists, and from deploy-time extras', async () => {
    const environment = await environmentOf(
      ['  A: ${self:custom.a}', '  L: ${self:custom.list.1}', '  U: ${self:url}/x'],
      { selfExtras: { url: 'http://127.0.0.1:4601/shop/alice/api' } },
      ['custom:', '  a: ${self:custom.b}-a', '  b: ${self:custom.c}-b', '  c: ${opt:stage}', '  list: [zero, one]'],
    );
    expect(environment).toEqual({ A: 'alice-b-a', L: 'one', U: 'http://127.0.0.1:4601/shop/alice/api/x' });
  });

  it('reads inside a value that a variable produced', async () => {
    const environment = await environmentOf(['  X: ${self:custom.copy.inner.x}'], {}, ['custom:', '  copy: ${self:custom.original}', '  original: { inner: { x: deep } }']);
    expect(environment).toEqual({ X: 'deep' });
  });
});

describe('values and types', () => {
  it('keeps the type of a value that is exactly one variable, and interpolates otherwise', async () => {
    const loaded = load([
      'service: api',
      'custom: { timeout: 30, settings: { a: 1 } }',
      'functions:',
      '  f:',
      '    handler: src/f.run',
      '    timeout: ${self:custom.timeout}',
      '    events: [{ schedule: { rate: rate(1 day), input: "${self:custom.settings}" } }]',
      '    environment: { T: "t-${self:custom.timeout}" }',
    ]);
    const fn = (await resolveService(loaded, 'api', context())).functions.f;
    expect(fn.timeout).toBe(30);
    expect(fn.events).toEqual([{ type: 'schedule', expression: 'rate(1 day)', enabled: true, input: { a: 1 } }]);
    expect(fn.environment).toEqual({ T: 't-30' });
  });

  it('reports a mapping put into a longer text', async () => {
    const error = await errorOf(environmentOf(['  M: "x-${self:custom.obj}"'], {}, ['custom: { obj: { a: 1 } }']));
    expect(error.code).toBe('VARIABLE_UNRESOLVED');
    expect(error.problems[0].message).toBe('${self:custom.obj} resolved to a mapping, which cannot be part of a longer text; write the variable alone as the whole value');
  });
});

describe('fallbacks', () => {
  it('uses a quoted string, a number or a boolean when nothing else resolves', async () => {
    const environment = await environmentOf(["  A: ${param:nope, 'single'}", '  B: ${param:nope, "double"}', '  C: ${param:nope, 42}', '  D: ${param:nope, false}']);
    expect(environment).toEqual({ A: 'single', B: 'double', C: '42', D: 'false' });
  });

  it('keeps the type of a number fallback', async () => {
    const loaded = load(['service: api', 'functions:', '  f: { handler: src/f.run, timeout: "${param:timeout, 12}" }']);
    expect((await resolveService(loaded, 'api', context())).functions.f.timeout).toBe(12);
  });

  it('tries a bare variable fallback, then the next, in order', async () => {
    const environment = await environmentOf(['  A: ${param:nope, self:custom.stage}', "  B: ${env:NOPE, env:ALSO_NOPE, 'last'}"], {}, ['custom: { stage: from-self }']);
    expect(environment).toEqual({ A: 'from-self', B: 'last' });
  });

  it('tries a nested variable fallback', async () => {
    const entries = ["  A: ${param:nope, ${env:SET, 'z'}}", "  B: ${param:nope, ${env:UNSET, 'z'}}"];
    expect(await environmentOf(entries, { env: { SET: 'from-env' } })).toEqual({ A: 'from-env', B: 'z' });
  });

  it('does not use the fallback when the variable resolves', async () => {
    expect(await environmentOf(["  A: ${opt:stage, 'unused'}"])).toEqual({ A: 'alice' });
  });

  it('falls back when a variable nested in the address does not resolve', async () => {
    expect(await environmentOf(["  A: ${output::${param:nope}::db.table, 'no-table'}"])).toEqual({ A: 'no-table' });
  });

  it('nests variables inside self addresses, inner first', async () => {
    const environment = await environmentOf(['  SIZE: ${self:custom.${opt:stage}.size}'], {}, ['custom:', '  alice: { size: small }', '  prod: { size: large }']);
    expect(environment).toEqual({ SIZE: 'small' });
  });
});

describe('parameter order', () => {
  const app = ['app: shop', 'services: [api]', 'params: { p: from-params }', 'profiles:', '  dev: { params: { p: from-profile } }', '  prod: { params: { p: from-prod } }'];
  const resolveP = async (appLines: string[], ctx: Partial<ResolutionContext>) => {
    const loaded = load(['service: api', 'functions:', '  f: { handler: src/f.run }', "environment: { P: \"${param:p, 'from-fallback'}\" }"], appLines.join('\n'));
    return (await resolveService(loaded, 'api', context(ctx))).functions.f.environment.P;
  };

  it('takes --param first, then stored params, then the profile, then params, then the fallback', async () => {
    const stored = { storedParams: { p: 'from-store' } };
    expect(await resolveP(app, { cliParams: { p: 'from-cli' }, ...stored })).toBe('from-cli');
    expect(await resolveP(app, stored)).toBe('from-store');
    expect(await resolveP(app, {})).toBe('from-profile');
    expect(await resolveP(app.slice(0, 3), {})).toBe('from-params');
    expect(await resolveP(app.slice(0, 2), {})).toBe('from-fallback');
  });

  it('reads only the params of the stage profile', async () => {
    expect(await resolveP(app, { profile: 'prod' })).toBe('from-prod');
    expect(await resolveP(app, { profile: 'default' })).toBe('from-params');
  });
});

describe('sensitive paths', () => {
  it('marks every path a secret reaches, directly, through self, or inside text', async () => {
    const loaded = load([
      'service: api',
      'custom: { key: "${secret:KEY}", plain: visible, bundle: { token: "${secret:KEY}", name: n } }',
      'environment: { SERVICE_KEY: "${secret:KEY}", PLAIN: "${self:custom.plain}" }',
      'functions:',
      '  f: { handler: src/f.run, environment: { VIA_SELF: "${self:custom.key}", IN_TEXT: "Bearer ${self:custom.key}" } }',
      '  g: { handler: src/g.run, environment: { SERVICE_KEY: overridden } }',
      'outputs: { token: "${self:custom.bundle.token}", name: "${self:custom.bundle.name}" }',
    ]);
    const resolved = await resolveService(loaded, 'api', context({ secret: async () => 'k' }));
    expect(resolved.sensitivePaths).toEqual([
      'functions.f.environment.IN_TEXT',
      'functions.f.environment.SERVICE_KEY',
      'functions.f.environment.VIA_SELF',
      'outputs.token',
    ]);
  });

  it('marks only the secret members of a mapping copied through self', async () => {
    const loaded = load([
      'service: api',
      'custom: { env: { A: "${secret:S}", B: plain } }',
      'environment: ${self:custom.env}',
      'functions: { f: { handler: src/f.run } }',
    ]);
    const resolved = await resolveService(loaded, 'api', context({ secret: async () => 'shh' }));
    expect(resolved.functions.f.environment).toEqual({ A: 'shh', B: 'plain' });
    expect(resolved.sensitivePaths).toEqual(['functions.f.environment.A']);
  });
});
