import { describe, expect, it } from 'vitest';
import { parseApp } from './parse-app.js';
import { resolveService } from './resolve-service.js';
import type { LoadedApp, ResolutionContext } from './types.js';
import { emptyResolutionContext, sluiceErrorOf } from './testing/resolution-fixtures.js';

function load(serviceLines: string[]): LoadedApp {
  return parseApp({
    root: '/app',
    files: { 'sluice.app.yml': 'app: workshop\nservices: [backend-restapi]\n', 'backend-restapi/sluice.yml': `${serviceLines.join('\n')}\n` },
  });
}

const context = (overrides: Partial<ResolutionContext> = {}) => emptyResolutionContext({ stage: 'prod', profile: 'prod', ...overrides });

const errorOf = sluiceErrorOf;

describe('resolveService normalization', () => {
  it('applies defaults, merges environments, parses events and names tables', async () => {
    const loaded = load([
      'service: restapi',
      'environment: { SHARED: one, OVERRIDE: service, COUNT: 3 }',
      'functions:',
      '  submit:',
      '    handler: src/handler.submit',
      '    environment: { OVERRIDE: function }',
      '    events:',
      '      - http: post /submissions',
      '      - http: { method: "*", path: "/files/{proxy+}" }',
      '      - schedule: rate(5 minutes)',
      '      - schedule: { rate: "cron(0 12 * * ? *)", enabled: false, input: { kind: daily } }',
      '  listAll: { handler: lib/list/index.all, timeout: 30, memory: 256, concurrency: 5 }',
      'resources:',
      '  tables: { submissions: { key: id }, audit: { key: at, name: audit-log } }',
      'outputs: { url: "${self:url}", port: 4601 }',
      'deployment:',
      '  strategy: Canary10Percent5Minutes',
      '  alarms: [{ metric: errorRate, threshold: 0.05 }]',
      '  hooks: { preTraffic: src/hooks.pre }',
      '  custom-setting: kept',
    ]);
    const resolved = await resolveService(loaded, 'restapi', context({ selfExtras: { url: 'http://gw/workshop/prod/restapi' } }));
    expect(resolved).toEqual({
      service: 'restapi',
      dir: 'backend-restapi',
      runtime: 'node20',
      functions: {
        submit: {
          name: 'submit',
          handler: 'src/handler.submit',
          handlerModule: 'src/handler',
          handlerExport: 'submit',
          timeout: 6,
          memory: 1024,
          concurrency: 100,
          environment: { SHARED: 'one', OVERRIDE: 'function', COUNT: '3' },
          events: [
            { type: 'http', method: 'POST', path: '/submissions' },
            { type: 'http', method: 'ANY', path: '/files/{proxy+}' },
            { type: 'schedule', expression: 'rate(5 minutes)', enabled: true },
            { type: 'schedule', expression: 'cron(0 12 * * ? *)', enabled: false, input: { kind: 'daily' } },
          ],
        },
        listAll: {
          name: 'listAll',
          handler: 'lib/list/index.all',
          handlerModule: 'lib/list/index',
          handlerExport: 'all',
          timeout: 30,
          memory: 256,
          concurrency: 5,
          environment: { SHARED: 'one', OVERRIDE: 'service', COUNT: '3' },
          events: [],
        },
      },
      tables: {
        submissions: { logical: 'submissions', name: 'workshop-prod-restapi-submissions', key: 'id' },
        audit: { logical: 'audit', name: 'audit-log', key: 'at' },
      },
      outputs: { url: 'http://gw/workshop/prod/restapi', port: '4601' },
      deployment: {
        strategy: 'Canary10Percent5Minutes',
        alarms: [{ metric: 'errorRate', threshold: 0.05 }],
        hooks: { preTraffic: 'src/hooks.pre' },
        'custom-setting': 'kept',
      },
      rollout: {
        schedule: { name: 'Canary10Percent5Minutes', steps: [{ weight: 10, waitMs: 300_000 }, { weight: 100, waitMs: 0 }] },
        alarms: [
          {
            name: 'errorRate > 0.05',
            metric: 'errorRate',
            threshold: 0.05,
            comparison: 'GreaterThanThreshold',
            periodMs: 60_000,
            evaluationPeriods: 1,
            datapointsToAlarm: 1,
            treatMissingData: 'missing',
            minInvocations: 10,
          },
        ],
        hooks: { preTraffic: { handler: 'src/hooks.pre', timeoutMs: 60_000 } },
      },
      routing: {},
      hookHandlers: { preTraffic: { handler: 'src/hooks.pre', handlerModule: 'src/hooks', handlerExport: 'pre' } },
      sensitivePaths: [],
    });
  });

  it('accepts numbers and booleans that arrive as text from params', async () => {
    const loaded = load([
      'service: restapi',
      'runtime: ${param:runtime}',
      'functions:',
      '  f:',
      '    handler: src/f.run',
      '    memory: ${param:memory}',
      '    events: [{ schedule: { rate: "${param:rate}", enabled: "${param:enabled}" } }]',
    ]);
    const ctx = context({ cliParams: { runtime: 'node22', memory: '512', rate: 'rate(1 hour)', enabled: 'false' } });
    const resolved = await resolveService(loaded, 'restapi', ctx);
    expect(resolved.runtime).toBe('node22');
    expect(resolved.functions.f.memory).toBe(512);
    expect(resolved.functions.f.events).toEqual([{ type: 'schedule', expression: 'rate(1 hour)', enabled: false }]);
  });
});

describe('resolveService validation of resolved values', () => {
  it('reports values that resolved to something invalid, at their location, naming the variable', async () => {
    const loaded = load([
      'service: restapi',
      'functions:',
      '  f:',
      '    handler: src/f.run',
      '    timeout: ${param:timeout}',
      '    events:',
      '      - http: ${param:route}',
      'resources:',
      '  tables: { items: { key: id, name: "${param:table}" } }',
    ]);
    const error = await errorOf(resolveService(loaded, 'restapi', context({ cliParams: { timeout: 'abc', route: 'GET items', table: 'bad name!' } })));
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.message).toBe('3 problems in /app/backend-restapi/sluice.yml once variables are resolved');
    expect(error.problems).toEqual([
      {
        file: '/app/backend-restapi/sluice.yml',
        line: 5,
        column: 14,
        path: 'functions.f.timeout',
        message: 'expected a whole number of seconds from 1 to 900, found "abc" (from ${param:timeout})',
      },
      {
        file: '/app/backend-restapi/sluice.yml',
        line: 7,
        column: 15,
        path: 'functions.f.events[0].http',
        message: 'expected a path starting with "/", found "items" (from ${param:route})',
      },
      {
        file: '/app/backend-restapi/sluice.yml',
        line: 9,
        column: 37,
        path: 'resources.tables.items.name',
        message: 'expected a table name of letters, digits and - _ . (at most 255), found "bad name!" (from ${param:table})',
      },
    ]);
  });

  it('locates a problem inside a mapping produced by a variable at the variable', async () => {
    const loaded = load(['service: restapi', 'custom: { env: { GOOD: a, BAD: [1] } }', 'environment: ${self:custom.env}']);
    const [problem] = (await errorOf(resolveService(loaded, 'restapi', context()))).problems;
    expect(problem).toMatchObject({ line: 3, column: 14, path: 'environment.BAD', message: 'expected a text, number or boolean value, found a list' });
  });

  it('throws NOT_FOUND for a service the app does not have', async () => {
    const error = await errorOf(resolveService(load(['service: restapi']), 'restap', context()));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.hint).toBe('Services of this app: restapi.');
  });
});
