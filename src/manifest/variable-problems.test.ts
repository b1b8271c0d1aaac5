import { describe, expect, it } from 'vitest';
import { parseApp } from './parse-app.js';
import { resolveService } from './resolve-service.js';
import type { LoadedApp, OutputAddress, ResolutionContext } from './types.js';
import { emptyResolutionContext, sluiceErrorOf } from './testing/resolution-fixtures.js';

const APP = ['app: shop', 'services: [api, worker]', 'profiles:', '  dev: { params: { env: dev } }'].join('\n');

function load(api: string[], worker: string[] = ['service: worker']): LoadedApp {
  return parseApp({
    root: '/app',
    files: { 'sluice.app.yml': APP, 'api/sluice.yml': `${api.join('\n')}\n`, 'worker/sluice.yml': `${worker.join('\n')}\n` },
  });
}

const context = (overrides: Partial<ResolutionContext> = {}) => emptyResolutionContext({ stage: 'alice', profile: 'dev', ...overrides });

const errorOf = sluiceErrorOf;

describe('unresolved variables', () => {
  it('reports every unresolved variable at once, at the ${ of each, saying where it looked', async () => {
    const loaded = load([
      'service: api',
      'functions:',
      '  f:',
      '    handler: src/f.run',
      '    timeout: ${param:timeout}',
      '    environment:',
      '      A: ${env:A_VAR}-and-${secret:TOKEN}',
      '      B: ${output:database.tableName}',
      '      C: ${self:custom.missing}',
    ]);
    const error = await errorOf(resolveService(loaded, 'api', context({ selfExtras: { url: 'u' } })));
    expect(error.code).toBe('VARIABLE_UNRESOLVED');
    expect(error.message).toBe('5 unresolved variables in /app/api/sluice.yml for stage alice');
    expect(error.problems).toEqual([
      {
        file: '/app/api/sluice.yml',
        line: 5,
        column: 14,
        path: 'functions.f.timeout',
        message:
          '${param:timeout} is unresolved: param "timeout" is not set (looked in --param, the stored params of profile "dev", profiles.dev.params and params in sluice.app.yml)',
      },
      { file: '/app/api/sluice.yml', line: 7, column: 10, path: 'functions.f.environment.A', message: '${env:A_VAR} is unresolved: environment variable A_VAR is not set' },
      {
        file: '/app/api/sluice.yml',
        line: 7,
        column: 27,
        path: 'functions.f.environment.A',
        message: '${secret:TOKEN} is unresolved: secret "TOKEN" is not set for profile "dev" (sluice secrets set --profile dev TOKEN)',
      },
      {
        file: '/app/api/sluice.yml',
        line: 8,
        column: 10,
        path: 'functions.f.environment.B',
        message: '${output:database.tableName} is unresolved: service "database" of app "shop" has published no output "tableName" in stage "alice" (region local)',
      },
      {
        file: '/app/api/sluice.yml',
        line: 9,
        column: 10,
        path: 'functions.f.environment.C',
        message: '${self:custom.missing} is unresolved: there is no property "custom.missing" in /app/api/sluice.yml nor among the deploy-time values (url)',
      },
    ]);
  });

  it('names every candidate tried when fallbacks fail too', async () => {
    const loaded = load(['service: api', 'environment:', '  A: ${param:nope, env:NOPE}']);
    const [problem] = (await errorOf(resolveService(loaded, 'api', context()))).problems;
    expect(problem.message).toMatch(/^\$\{param:nope, env:NOPE\} is unresolved: param "nope" is not set \(.*\); environment variable NOPE is not set$/);
  });

  it('reports a variable nested in an address at its own position', async () => {
    const loaded = load(['service: api', 'environment:', '  T: ${output::${param:nope}::database.tableName}']);
    const [problem, ...rest] = (await errorOf(resolveService(loaded, 'api', context()))).problems;
    expect(rest).toEqual([]);
    expect([problem.line, problem.column]).toEqual([3, 16]);
    expect(problem.message).toMatch(/^\$\{param:nope\} is unresolved: /);
  });

  it('reports a property once even when others refer to it', async () => {
    const loaded = load(['service: api', 'custom: { base: "${env:NOPE}" }', 'environment:', '  A: ${self:custom.base}', '  B: x-${self:custom.base}']);
    const problems = (await errorOf(resolveService(loaded, 'api', context()))).problems;
    expect(problems.map((p) => p.path)).toEqual(['custom.base']);
  });

  it('points into folded and quoted scalars', async () => {
    const loaded = load(['service: api', 'environment:', '  A: >', '    first line', '    then ${env:NOPE}', "  B: 'it''s ${env:NOPE2}'"]);
    const problems = (await errorOf(resolveService(loaded, 'api', context()))).problems;
    expect(problems.map((p) => [p.line, p.column])).toEqual([
      [5, 10],
      [6, 13],
    ]);
  });

  it('looks up only the variables of the service being resolved', async () => {
    const secretsAsked: string[] = [];
    const outputsAsked: OutputAddress[] = [];
    const loaded = load(['service: api', 'environment: { A: "${output:worker.url}" }'], ['service: worker', 'environment: { B: "${secret:WORKER_ONLY}" }']);
    const ctx = context({
      secret: async (name) => (secretsAsked.push(name), undefined),
      output: async (address) => (outputsAsked.push(address), 'http://worker'),
    });
    await resolveService(loaded, 'api', ctx);
    expect(secretsAsked).toEqual([]);
    expect(outputsAsked.map((address) => address.service)).toEqual(['worker']);
  });
});

describe('variable cycles', () => {
  it('reports a self chain that loops, naming the chain, at the variable that closes it', async () => {
    const loaded = load(['service: api', 'custom:', '  a: ${self:custom.b}', '  b: ${self:custom.a}']);
    const error = await errorOf(resolveService(loaded, 'api', context()));
    expect(error.code).toBe('VARIABLE_CYCLE');
    expect(error.message).toBe('Variables refer to each other in a cycle: custom.a → custom.b → custom.a');
    expect(error.problems).toEqual([
      {
        file: '/app/api/sluice.yml',
        line: 4,
        column: 6,
        path: 'custom.b',
        message: '${self:custom.a} refers back to itself: custom.a → custom.b → custom.a',
      },
    ]);
  });

  it('reports a value that refers to itself and one that contains its own parent', async () => {
    const direct = load(['service: api', 'custom: { a: "x${self:custom.a}" }']);
    expect((await errorOf(resolveService(direct, 'api', context()))).message).toBe('Variables refer to each other in a cycle: custom.a → custom.a');
    const parent = load(['service: api', 'custom: { a: { b: "${self:custom.a}" } }']);
    expect((await errorOf(resolveService(parent, 'api', context()))).message).toBe(
      'Variables refer to each other in a cycle: custom.a → custom.a.b → custom.a',
    );
  });

  it('reports a longer loop through a function and keeps reporting other problems', async () => {
    const loaded = load([
      'service: api',
      'custom: { t: "${self:functions.f.environment.X}" }',
      'functions:',
      '  f:',
      '    handler: src/f.run',
      '    environment: { X: "${self:outputs.o}", Y: "${env:NOPE}" }',
      'outputs: { o: "${self:custom.t}" }',
    ]);
    const error = await errorOf(resolveService(loaded, 'api', context()));
    expect(error.code).toBe('VARIABLE_CYCLE');
    expect(error.message).toBe('Variables refer to each other in a cycle: custom.t → functions.f.environment.X → outputs.o → custom.t');
    expect(error.problems.map((p) => p.path)).toEqual(['outputs.o', 'functions.f.environment.Y']);
  });
});
