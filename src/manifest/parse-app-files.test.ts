import { describe, expect, it } from 'vitest';
import { isSluiceError, SluiceError, type Problem } from '../errors/index.js';
import { parseApp } from './parse-app.js';

function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}

function errorOf(files: Record<string, string>): SluiceError {
  try {
    parseApp({ root: '/app', files });
  } catch (error) {
    if (isSluiceError(error)) return error;
    throw error;
  }
  throw new Error('expected parseApp to throw');
}

function problemsOf(files: Record<string, string>): Problem[] {
  const error = errorOf(files);
  expect(error.code).toBe('MANIFEST_INVALID');
  return error.problems;
}

describe('parseApp across files', () => {
  it('collects the problems of every file at once, app first, then services in listed order, each by position', () => {
    const error = errorOf({
      'sluice.app.yml': lines('app: shop', 'services: [b, a]', 'stagez: {}'),
      'a/sluice.yml': lines('service: a', 'runtime: node8'),
      'b/sluice.yml': lines('service: b', 'functions:', '  f: { handler: src/f.run, memory: 1 }', 'outputz: {}'),
    });
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.message).toBe('4 problems in the manifests');
    expect(error.problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.path}`)).toEqual([
      '/app/sluice.app.yml:3:1 stagez',
      '/app/b/sluice.yml:3:36 functions.f.memory',
      '/app/b/sluice.yml:4:1 outputz',
      '/app/a/sluice.yml:2:10 runtime',
    ]);
  });

  it('says "1 problem" for a single problem', () => {
    expect(errorOf({ 'sluice.app.yml': 'app: Shop\n' }).message).toBe('1 problem in the manifests');
  });

  it('reports a listed folder without sluice.yml at its services entry', () => {
    const problems = problemsOf({ 'sluice.app.yml': lines('app: shop', 'services:', '  - api', '  - worker'), 'api/sluice.yml': 'service: api\n' });
    expect(problems).toEqual([
      { file: '/app/sluice.app.yml', line: 4, column: 5, path: 'services[1]', message: 'folder "worker" has no sluice.yml; expected /app/worker/sluice.yml' },
    ]);
  });

  it('reports a folder listed twice', () => {
    const problems = problemsOf({ 'sluice.app.yml': lines('app: shop', 'services: [api, api/]'), 'api/sluice.yml': 'service: api\n' });
    expect(problems.map((p) => [p.path, p.message])).toEqual([['services[1]', 'folder "api" is listed twice; expected each service folder once']]);
  });

  it('reports a service name used by two folders at the second one', () => {
    const problems = problemsOf({
      'sluice.app.yml': lines('app: shop', 'services: [one, two]'),
      'one/sluice.yml': 'service: api\n',
      'two/sluice.yml': '# the same name\nservice: api\n',
    });
    expect(problems).toEqual([
      {
        file: '/app/two/sluice.yml',
        line: 2,
        column: 10,
        path: 'service',
        message: 'service name "api" is also used by one/sluice.yml; expected a name unique within the app',
      },
    ]);
  });

  it('still validates the services when the app manifest has schema problems', () => {
    const problems = problemsOf({ 'sluice.app.yml': lines('app: shop', 'services: [api]', 'colour: blue'), 'api/sluice.yml': 'service: API\n' });
    expect(problems.map((p) => p.file)).toEqual(['/app/sluice.app.yml', '/app/api/sluice.yml']);
  });

  it('throws MANIFEST_NOT_FOUND when the sources hold no sluice.app.yml', () => {
    const error = errorOf({ 'api/sluice.yml': 'service: api\n' });
    expect(error.code).toBe('MANIFEST_NOT_FOUND');
    expect(error.message).toBe('No sluice.app.yml in /app.');
  });
});

describe('parseApp YAML syntax problems', () => {
  it('reports a duplicate key at the second occurrence', () => {
    const problems = problemsOf({ 'sluice.app.yml': lines('app: shop', 'app: other') });
    expect(problems).toEqual([
      { file: '/app/sluice.app.yml', line: 2, column: 1, path: '', message: 'duplicate key: each key may appear once in a mapping' },
    ]);
  });

  it('reports broken YAML once per line and explains ${…} inside a flow mapping', () => {
    const problems = problemsOf({
      'sluice.app.yml': lines('app: shop', 'services: [api]'),
      'api/sluice.yml': lines('service: api', 'environment: { TABLE: ${output:db.table} }'),
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: '/app/api/sluice.yml', line: 2 });
    expect(problems[0].message).toMatch(/^invalid YAML: .*; inside \{ \} or \[ \], quote values that contain \$\{…\}/);
  });

  it('reports an unclosed flow sequence, and no guesses from the broken services list', () => {
    const [problem, ...rest] = problemsOf({ 'sluice.app.yml': lines('app: shop', 'services: [api') });
    expect(rest).toEqual([]);
    expect(problem.message).toMatch(/^invalid YAML: /);
    expect(problem.message).not.toMatch(/quote values/);
  });
});

describe('parseApp variable syntax problems', () => {
  const withEnvironment = (...entries: string[]): Problem[] =>
    problemsOf({ 'sluice.app.yml': lines('app: shop', 'services: [api]'), 'api/sluice.yml': lines('service: api', 'environment:', ...entries) });

  it('reports an unknown source at the ${ with a suggestion', () => {
    const [problem] = withEnvironment('  A: prefix-${parm:x}');
    expect(problem).toEqual({
      file: '/app/api/sluice.yml',
      line: 3,
      column: 13,
      path: 'environment.A',
      message: '${parm:x}: unknown variable source "parm" (did you mean "param"?); expected one of opt, self, param, secret, env, output',
    });
  });

  it('locates variables inside double-quoted strings with escapes and inside nested variables', () => {
    // In the source, `\t` takes two characters where the value holds one: the `$` is at column 17, not 16.
    const problems = withEnvironment('  A: "tab\\there ${nope:x}"', '  B: ${param:x, ${oops:y}}');
    expect(problems.map((p) => [p.line, p.column])).toEqual([
      [3, 17],
      [4, 17],
    ]);
  });

  it('reports unterminated variables, malformed fallbacks and malformed addresses', () => {
    const problems = withEnvironment(
      '  A: ${param:x',
      "  B: ${param:x, 'y' z}",
      '  C: ${output:a:b:c}',
      '  D: ${self:custom..x}',
      '  E: ${opt:colour}',
      '  F: ${param:x, not a variable}',
      '  G: ${}',
    );
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['environment.A', 'unterminated variable: "${" has no closing "}"'],
      ['environment.B', 'unexpected "z" after a quoted fallback; expected "," or "}"'],
      ['environment.C', '${output:a:b:c}: "a:b:c" has 3 colon-separated parts; expected output:service.key or output:app:stage:region:service.key'],
      ['environment.D', '${self:custom..x}: "custom..x" is not a property path; expected keys separated by dots, like custom.tableName'],
      ['environment.E', '${opt:colour}: there is no option "colour"; opt knows stage and region'],
      [
        'environment.F',
        'expected source:address (like param:name), a quoted string, a number or a nested variable; found "not a variable"',
      ],
      ['environment.G', 'expected source:address (like param:name), a quoted string, a number or a nested variable; found nothing'],
    ]);
    expect(problems[1].column).toBe(21);
  });
});
