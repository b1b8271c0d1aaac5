import { describe, expect, it } from 'vitest';
import { isSluiceError, type Problem } from '../errors/index.js';
import { parseApp } from './parse-app.js';

const APP = ['app: shop', 'services: [api]'].join('\n');

function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}

function problemsOf(files: Record<string, string>): Problem[] {
  try {
    parseApp({ root: '/app', files });
  } catch (error) {
    if (isSluiceError(error) && error.code === 'MANIFEST_INVALID') return error.problems;
    throw error;
  }
  throw new Error('expected MANIFEST_INVALID');
}

/** Problems of a single service manifest `api/sluice.yml`. */
function serviceProblems(...text: string[]): Problem[] {
  return problemsOf({ 'sluice.app.yml': APP, 'api/sluice.yml': lines(...text) });
}

describe('parseApp on valid manifests', () => {
  it('builds the app manifest and the services in the order listed', () => {
    const loaded = parseApp({
      root: '/app',
      files: {
        'sluice.app.yml': lines(
          'app: workshop',
          'services: [backend-database, backend-restapi/]',
          'params: { api_key: none, retries: 3, verbose: true }',
          'profiles:',
          '  dev: { params: { env: dev } }',
          '  prod: { params: { env: prod }, approval: { required: true, preventSelfReview: true } }',
          '  staging: { approval: none }',
          'stages:',
          '  prod: { profile: prod, strategy: Canary10Percent5Minutes }',
          "  '*': { profile: dev }",
          'pipeline: { branches: { master: staging } }',
        ),
        'backend-database/sluice.yml': lines('service: database'),
        'backend-restapi/sluice.yml': lines('service: restapi', 'functions:', '  submit:', '    handler: src/handler.submit'),
      },
    });
    expect(loaded.app).toEqual({
      app: 'workshop',
      file: '/app/sluice.app.yml',
      services: ['backend-database', 'backend-restapi'],
      params: { api_key: 'none', retries: '3', verbose: 'true' },
      profiles: {
        dev: { params: { env: 'dev' } },
        prod: { params: { env: 'prod' }, approval: 'required', preventSelfReview: true },
        staging: { params: {}, approval: 'none' },
      },
      stages: { prod: { profile: 'prod', strategy: 'Canary10Percent5Minutes' }, '*': { profile: 'dev' } },
      pipeline: { checks: [], previews: null, branches: { master: { stage: 'staging', promoteFrom: [] } }, concurrency: 2 },
      notifications: [],
    });
    expect(loaded.services.map((service) => [service.name, service.dir, service.file.displayPath])).toEqual([
      ['database', 'backend-database', '/app/backend-database/sluice.yml'],
      ['restapi', 'backend-restapi', '/app/backend-restapi/sluice.yml'],
    ]);
    expect(loaded.services[0].handlers).toEqual({});
    expect(loaded.services[1].handlers).toEqual({ submit: { handler: 'src/handler.submit', handlerModule: 'src/handler', handlerExport: 'submit' } });
  });

  it('accepts every documented form of a service manifest', () => {
    const loaded = parseApp({
      root: '/app',
      files: {
        'sluice.app.yml': APP,
        'api/sluice.yml': lines(
          'service: api',
          'runtime: node22',
          'environment: { STAGE: "${opt:stage}", COUNT: 3, DEBUG: false }',
          'custom: { anything: [1, 2] }',
          'functions:',
          '  getItem:',
          '    handler: src/items/get.handler',
          '    timeout: ${param:timeout}',
          '    events:',
          '      - http: get /items/{id}',
          '      - http: { method: "*", path: "/files/{proxy+}" }',
          '      - schedule: cron(0 12 * * ? *)',
          '      - schedule: { rate: rate(1 hour), enabled: false, input: { a: 1 } }',
          'resources:',
          '  tables: { items: { key: id, name: my-items } }',
          'outputs: { url: "${self:url}" }',
          'deployment:',
          '  strategy: Linear10PercentEvery1Minute',
          '  alarms: [{ metric: errorRate, threshold: 0.05 }]',
          '  hooks: { preTraffic: src/hooks.pre }',
          '  notify: ops',
        ),
      },
    });
    expect(loaded.services[0].name).toBe('api');
  });
});

describe('parseApp schema problems', () => {
  it('reports an unknown key at its position with a suggestion and the accepted keys', () => {
    const [problem, ...rest] = serviceProblems('service: api', 'functions:', '  submit:', '    handler: src/h.submit', '    timout: 6');
    expect(rest).toEqual([]);
    expect(problem).toEqual({
      file: '/app/api/sluice.yml',
      line: 5,
      column: 5,
      path: 'functions.submit.timout',
      message: 'unknown key "timout" (did you mean "timeout"?); expected one of handler, timeout, memory, concurrency, environment, events',
    });
  });

  it('reports an unknown key without a suggestion when nothing is close', () => {
    const [problem] = serviceProblems('service: api', 'wibble: 1');
    expect(problem.message).toMatch(/^unknown key "wibble"; expected one of service, runtime/);
    expect([problem.line, problem.column]).toEqual([2, 1]);
  });

  it('reports a missing required key at the mapping that lacks it', () => {
    const [problem] = serviceProblems('service: api', 'functions:', '  submit:', '    memory: 256');
    expect(problem).toMatchObject({ line: 4, column: 5, path: 'functions.submit.handler' });
    expect(problem.message).toMatch(/^missing required key "handler": expected a handler like src\/handler.submit/);
  });

  it('reports a value of the wrong type with what was found and what was expected', () => {
    const [problem] = serviceProblems('service: api', 'functions:', '  submit:', '    handler: src/h.submit', '    timeout: abc');
    expect(problem).toMatchObject({ line: 5, column: 14, path: 'functions.submit.timeout' });
    expect(problem.message).toBe('expected a whole number of seconds from 1 to 900, found "abc"');
  });

  it('reports numbers out of range and fractions', () => {
    const problems = serviceProblems(
      'service: api',
      'functions:',
      '  submit:',
      '    handler: src/h.submit',
      '    memory: 64',
      '    timeout: 901',
      '    concurrency: 1.5',
    );
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['functions.submit.memory', 'expected a whole number of MB from 128 to 10240, found 64'],
      ['functions.submit.timeout', 'expected a whole number of seconds from 1 to 900, found 901'],
      ['functions.submit.concurrency', 'expected a whole number of concurrent invocations, at least 1, found 1.5'],
    ]);
  });

  it('reports a value outside a closed set', () => {
    const [problem] = serviceProblems('service: api', 'runtime: node18');
    expect(problem).toMatchObject({ path: 'runtime', line: 2, column: 10, message: 'expected a runtime: node20 or node22, found "node18"' });
  });

  it('reports invalid names of services, functions and tables at the name', () => {
    const problems = serviceProblems(
      'service: Api_1',
      'functions:',
      '  1submit: { handler: src/h.submit }',
      'resources:',
      '  tables:',
      '    "bad table": { key: id }',
    );
    expect(problems.map((p) => [p.path, p.line, p.column])).toEqual([
      ['service', 1, 10],
      ['functions.1submit', 3, 3],
      ['resources.tables.bad table', 6, 5],
    ]);
    expect(problems[0].message).toMatch(/^expected a service name: a name of lowercase letters.*found "Api_1"$/);
    expect(problems[1].message).toMatch(/^expected a function name: .*found "1submit"$/);
  });

  it('accepts camelCase function and table names but not for services', () => {
    expect(serviceProblems('service: myApi', 'functions: { getItem: { handler: a.b } }').map((p) => p.path)).toEqual(['service']);
  });

  it('rejects a name longer than 63 characters', () => {
    const [problem] = serviceProblems(`service: a${'b'.repeat(63)}`);
    expect(problem.path).toBe('service');
  });

  it('reports malformed handlers, including ones with variables or leaving the service folder', () => {
    const problems = serviceProblems(
      'service: api',
      'functions:',
      '  a: { handler: handler }',
      '  b: { handler: "src/${opt:stage}.run" }',
      '  c: { handler: ../outside.run }',
    );
    expect(problems.map((p) => p.path)).toEqual(['functions.a.handler', 'functions.b.handler', 'functions.c.handler']);
    expect(problems[0].message).toBe(
      'expected a handler like src/handler.submit (a module path inside the service, without extension, then the exported name), found "handler"',
    );
    expect(problems[1].message).toMatch(/without \$\{…\} variables/);
  });

  it('reports malformed http and schedule events in their short and long forms', () => {
    const problems = serviceProblems(
      'service: api',
      'functions:',
      '  a:',
      '    handler: src/h.a',
      '    events:',
      '      - http: POST submissions',
      '      - http: FETCH /x',
      '      - http: GET /{proxy+}/more',
      '      - http: { method: GET, pth: /x }',
      '      - schedule: rate(0 minutes)',
      '      - schedule: cron(1 2 3)',
      '      - schedule: { rate: every day }',
      '      - http: 42',
      '      - {}',
    );
    expect(problems.map((p) => [p.line, p.path])).toEqual([
      [6, 'functions.a.events[0].http'],
      [7, 'functions.a.events[1].http'],
      [8, 'functions.a.events[2].http'],
      [9, 'functions.a.events[3].http.path'],
      [9, 'functions.a.events[3].http.pth'],
      [10, 'functions.a.events[4].schedule'],
      [11, 'functions.a.events[5].schedule'],
      [12, 'functions.a.events[6].schedule.rate'],
      [13, 'functions.a.events[7].http'],
      [14, 'functions.a.events[8]'],
    ]);
    const messages = problems.map((p) => p.message);
    expect(messages[0]).toBe('expected a path starting with "/", found "submissions"');
    expect(messages[1]).toMatch(/^expected an HTTP method \(GET, POST.*\), found "FETCH"$/);
    expect(messages[2]).toMatch(/greedy parameter like \{proxy\+\} must be the last segment/);
    expect(messages[3]).toBe('missing required key "path": expected a path like /items/{id}');
    expect(messages[4]).toBe('unknown key "pth" (did you mean "path"?); expected one of method, path');
    expect(messages[5]).toMatch(/positive whole number, found "rate\(0 minutes\)"/);
    expect(messages[6]).toMatch(/6 fields .* found 3/);
    expect(messages[8]).toBe('expected "METHOD /path" (like POST /submissions) or { method, path }, found 42');
    expect(messages[9]).toBe('expected exactly one of http or schedule in an event, found none');
  });

  it('reports an event with two kinds at once', () => {
    const [problem] = serviceProblems('service: api', 'functions:', '  a:', '    handler: src/h.a', '    events: [{ http: GET /, schedule: rate(1 day) }]');
    expect(problem.message).toBe('expected exactly one of http or schedule in an event, found http and schedule');
  });

  it('reports loose deployment settings only where they are typed', () => {
    const problems = serviceProblems('service: api', 'deployment:', '  strategy: 5', '  alarms: [errorRate]', '  hooks: { preTrafic: src/h.pre }', '  extra: ok');
    expect(problems.map((p) => p.path)).toEqual(['deployment.strategy', 'deployment.alarms[0]', 'deployment.hooks.preTrafic']);
    expect(problems[2].message).toMatch(/did you mean "preTraffic"/);
  });

  it('reports app manifest problems: names, approvals, stage profiles and folders', () => {
    const problems = problemsOf({
      'sluice.app.yml': lines(
        'app: Shop',
        'services: [../outside, /abs]',
        'profiles:',
        '  prod: { approval: maybe }',
        '  staging: {}',
        'stages:',
        '  Prod: { profile: prod }',
        '  qa: { profile: stagin }',
        'servics: []',
      ),
    });
    expect(problems.map((p) => [p.line, p.path])).toEqual([
      [1, 'app'],
      [2, 'services[0]'],
      [2, 'services[1]'],
      [4, 'profiles.prod.approval'],
      [7, 'stages.Prod'],
      [9, 'servics'],
    ]);
    expect(problems[3].message).toBe('expected required, none or { required: true|false, preventSelfReview: true|false }, found "maybe"');
    expect(problems[5].message).toMatch(/did you mean "services"/);
  });

  it('reports a stage whose profile is not defined, with a suggestion', () => {
    const problems = problemsOf({ 'sluice.app.yml': lines('app: shop', 'profiles: { staging: {} }', 'stages:', '  qa: { profile: stagin }') });
    expect(problems).toEqual([
      {
        file: '/app/sluice.app.yml',
        line: 4,
        column: 18,
        path: 'stages.qa.profile',
        message: 'profile "stagin" is not defined in profiles (did you mean "staging"?); expected one of staging',
      },
    ]);
  });

  it('reports an empty file and a file that is not a mapping', () => {
    const problems = problemsOf({ 'sluice.app.yml': APP, 'api/sluice.yml': '' });
    expect(problems).toEqual([
      { file: '/app/api/sluice.yml', line: 1, column: 1, path: '', message: 'the file is empty; expected a mapping with at least service: NAME' },
    ]);
    const [listProblem] = problemsOf({ 'sluice.app.yml': '- a\n- b\n' });
    expect(listProblem.message).toBe('expected a mapping with at least app: NAME, found a list');
  });
});

describe('parseApp notifications', () => {
  it('reads webhooks with their severity and signing secret, defaulting both', () => {
    const loaded = parseApp({
      root: '/app',
      files: {
        'sluice.app.yml': 'app: shop\nnotifications:\n  - { url: "https://hooks.example/a", severity: critical, secret: HOOK_KEY }\n  - { url: "http://127.0.0.1:9/b" }\n',
      },
    });
    expect(loaded.app.notifications).toEqual([
      { url: 'https://hooks.example/a', severity: 'critical', secret: 'HOOK_KEY' },
      { url: 'http://127.0.0.1:9/b', severity: 'info', secret: 'NOTIFY_SIGNING_SECRET' },
    ]);
  });

  it('reports a webhook without a URL or with an unknown severity at its place', () => {
    expect(() => parseApp({ root: '/app', files: { 'sluice.app.yml': 'app: shop\nnotifications:\n  - { url: "ftp://x", severity: loud }\n' } })).toThrow(
      expect.objectContaining({ problems: expect.arrayContaining([expect.objectContaining({ line: 3, path: expect.stringMatching(/notifications/) })]) }),
    );
  });
});
