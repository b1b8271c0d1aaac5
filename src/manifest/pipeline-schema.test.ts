import { describe, expect, it } from 'vitest';
import { isSluiceError, type Problem } from '../errors/index.js';
import type { PipelineConfig } from './pipeline-types.js';
import { parseApp } from './parse-app.js';
import { readPipelineDurationMs } from './pipeline-schema.js';

function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}

const PROFILES = lines(
  'app: shop',
  'profiles:',
  '  dev: {}',
  '  staging: {}',
  '  prod: { approval: required }',
  'stages:',
  '  staging: { profile: staging }',
  '  prod: { profile: prod }',
  "  '*': { profile: dev }",
);

function pipelineOf(...text: string[]): PipelineConfig | undefined {
  return parseApp({ root: '/app', files: { 'sluice.app.yml': PROFILES + lines(...text) } }).app.pipeline;
}

function problemsOf(...text: string[]): Problem[] {
  try {
    parseApp({ root: '/app', files: { 'sluice.app.yml': lines('app: shop', ...text) } });
  } catch (error) {
    if (isSluiceError(error) && error.code === 'MANIFEST_INVALID') return error.problems;
    throw error;
  }
  throw new Error('expected MANIFEST_INVALID');
}

describe('pipeline: normalization', () => {
  it('reads every documented form and fills the defaults', () => {
    const pipeline = pipelineOf(
      'pipeline:',
      "  checks: [ { run: npm ci }, { name: unit, run: npm test, timeout: 10 minutes, env: { CI: 'true', RETRIES: 3 }, secrets: [NPM_TOKEN, NPM_TOKEN] } ]",
      '  previews:',
      "    branches: ['*']",
      '    exclude: [master, prod]',
      '    integration: { run: npm run test:integration, timeout: 5m }',
      '    ttl: 7d',
      '    protect: true',
      '    forkLabel: safe-to-preview',
      '  branches: { master: staging, prod: prod }',
      '  concurrency: 4',
    );
    expect(pipeline).toEqual({
      checks: [
        { name: 'npm ci', run: 'npm ci', timeoutMs: 600_000, env: {}, secrets: [] },
        { name: 'unit', run: 'npm test', timeoutMs: 600_000, env: { CI: 'true', RETRIES: '3' }, secrets: ['NPM_TOKEN'] },
      ],
      previews: {
        branches: ['*'],
        exclude: ['master', 'prod'],
        integration: { name: 'npm run test:integration', run: 'npm run test:integration', timeoutMs: 300_000, env: {}, secrets: [] },
        ttlMs: 7 * 86_400_000,
        protect: true,
        forkLabel: 'safe-to-preview',
      },
      branches: { master: { stage: 'staging', promoteFrom: [] }, prod: { stage: 'prod', promoteFrom: ['staging'] } },
      concurrency: 4,
    });
  });

  it('accepts checks as plain strings and an empty section', () => {
    expect(pipelineOf('pipeline: { checks: [npm ci, npm test] }')?.checks.map((check) => [check.name, check.run, check.timeoutMs])).toEqual([
      ['npm ci', 'npm ci', 600_000],
      ['npm test', 'npm test', 600_000],
    ]);
    expect(pipelineOf('pipeline: {}')).toEqual({ checks: [], previews: null, branches: {}, concurrency: 2 });
  });

  it('leaves pipeline out of the manifest when the section is not written', () => {
    expect(pipelineOf()).toBeUndefined();
  });

  it('turns off previews with false or when absent, and fills their defaults with true or a mapping', () => {
    expect(pipelineOf('pipeline: { previews: false, branches: { master: staging } }')?.previews).toBeNull();
    expect(pipelineOf('pipeline: { branches: { master: staging } }')?.previews).toBeNull();
    const defaults = { branches: ['*'], exclude: ['master', 'release/1.x'], integration: null, ttlMs: null, protect: false, forkLabel: 'preview' };
    expect(pipelineOf("pipeline: { previews: true, branches: { master: staging, 'release/1.x': prod } }")?.previews).toEqual(defaults);
    expect(pipelineOf("pipeline: { previews: {}, branches: { master: staging, 'release/1.x': prod } }")?.previews).toEqual(defaults);
  });

  it('reads a single glob as a list of one', () => {
    const previews = pipelineOf("pipeline: { previews: { branches: 'feature/*', exclude: wip } }")?.previews;
    expect([previews?.branches, previews?.exclude]).toEqual([['feature/*'], ['wip']]);
  });

  it('makes a stage whose profile requires approval promote from the mapped stages that do not, and the others build', () => {
    const pipeline = pipelineOf('pipeline:', '  branches: { master: staging, prod: prod, qa: qa-stage }');
    expect(pipeline?.branches).toEqual({
      master: { stage: 'staging', promoteFrom: [] },
      prod: { stage: 'prod', promoteFrom: ['staging', 'qa-stage'] },
      qa: { stage: 'qa-stage', promoteFrom: [] },
    });
  });

  it('builds a stage requiring approval when no other mapped stage can feed it', () => {
    expect(pipelineOf('pipeline: { branches: { prod: prod } }')?.branches).toEqual({ prod: { stage: 'prod', promoteFrom: [] } });
  });

  it('keeps promoteFrom as written, even empty (the stage then builds)', () => {
    const pipeline = pipelineOf('pipeline:', '  branches: { master: staging, qa: qa, prod: { stage: prod, promoteFrom: [] }, hotfix: { stage: hot, promoteFrom: [qa] } }');
    expect(pipeline?.branches.prod).toEqual({ stage: 'prod', promoteFrom: [] });
    expect(pipeline?.branches.hotfix).toEqual({ stage: 'hot', promoteFrom: ['qa'] });
  });

  it("reads approval through the '*' profile and the approval mapping form", () => {
    const pipeline = parseApp({
      root: '/app',
      files: {
        'sluice.app.yml': lines(
          'app: shop',
          'profiles: { guarded: { approval: { required: true } }, open: {} }',
          'stages: { staging: { profile: open }, "*": { profile: guarded } }',
          'pipeline: { branches: { master: staging, live: live } }',
        ),
      },
    }).app.pipeline;
    expect(pipeline?.branches.live.promoteFrom).toEqual(['staging']);
    expect(pipeline?.branches.master.promoteFrom).toEqual([]);
  });
});

describe('pipeline: problems', () => {
  it('reports unknown keys with a suggestion, at their position', () => {
    const problems = problemsOf('pipeline:', '  chekcs: [npm test]', '  previews: { forkLable: x }', '  branches: { master: { stage: staging, promotefrom: [] } }');
    expect(problems).toEqual([
      {
        file: '/app/sluice.app.yml',
        line: 3,
        column: 3,
        path: 'pipeline.chekcs',
        message: 'unknown key "chekcs" (did you mean "checks"?); expected one of checks, previews, branches, concurrency',
      },
      {
        file: '/app/sluice.app.yml',
        line: 4,
        column: 15,
        path: 'pipeline.previews.forkLable',
        message: 'unknown key "forkLable" (did you mean "forkLabel"?); expected one of branches, exclude, integration, ttl, protect, forkLabel',
      },
      {
        file: '/app/sluice.app.yml',
        line: 5,
        column: 41,
        path: 'pipeline.branches.master.promotefrom',
        message: 'unknown key "promotefrom" (did you mean "promoteFrom"?); expected one of stage, promoteFrom',
      },
    ]);
  });

  it('reports every wrong value at once, each where it is written', () => {
    const problems = problemsOf(
      'pipeline:',
      '  checks: [{ name: unit }, 3, { run: x, timeout: soon, env: { "A B": 1 } }, { run: y, secrets: [NPM-TOKEN] }]',
      '  previews: { branches: 3, ttl: 7 weeks, integration: { run: "" }, protect: maybe }',
      '  concurrency: 0',
    );
    expect(problems.map((p) => [`${p.line}:${p.column}`, p.path, p.message])).toEqual([
      ['3:12', 'pipeline.checks[0].run', 'missing required key "run": expected the command to run, like "npm test"'],
      ['3:28', 'pipeline.checks[1]', 'expected a command: text like "npm test", or { run, name, timeout, env, secrets }, found 3'],
      ['3:50', 'pipeline.checks[2].timeout', 'expected a timeout: a duration like 30s, 10m, 2h or 7d, found "soon"'],
      ['3:63', 'pipeline.checks[2].env.A B', 'expected an environment variable name of letters, digits and underscores, found "A B"'],
      ['3:97', 'pipeline.checks[3].secrets[0]', 'expected a secret name of letters, digits and underscores (the command gets it as a variable of that name), found "NPM-TOKEN"'],
      ['4:25', 'pipeline.previews.branches', "expected a branch glob or a list of them, like ['*'] or [feature/*], found 3"],
      ['4:33', 'pipeline.previews.ttl', 'expected how long an idle preview lives: a duration like 30s, 10m, 2h or 7d, found "7 weeks"'],
      ['4:62', 'pipeline.previews.integration.run', 'expected the command to run, like "npm test", found ""'],
      ['4:77', 'pipeline.previews.protect', 'expected true or false, found "maybe"'],
      ['5:16', 'pipeline.concurrency', 'expected a whole number of runs from 1 to 32, found 0'],
    ]);
  });

  it('reports concurrency outside 1..32 or fractional', () => {
    expect(problemsOf('pipeline: { concurrency: 33 }').map((p) => p.message)).toEqual(['expected a whole number of runs from 1 to 32, found 33']);
    expect(problemsOf('pipeline: { concurrency: 1.5 }').map((p) => p.message)).toEqual(['expected a whole number of runs from 1 to 32, found 1.5']);
  });

  it('reports previews that are neither a switch nor a mapping, and a section that is not a mapping', () => {
    expect(problemsOf('pipeline: { previews: yes }').map((p) => p.message)).toEqual([
      'expected false, true, or a mapping with branches, exclude, integration, ttl, protect and forkLabel, found "yes"',
    ]);
    expect(problemsOf('pipeline: [a]')).toEqual([
      { file: '/app/sluice.app.yml', line: 2, column: 11, path: 'pipeline', message: 'expected a mapping with checks, previews, branches and concurrency, found a list' },
    ]);
  });

  it('reports invalid target stage names and branch names', () => {
    const problems = problemsOf('pipeline:', '  branches:', '    master: Staging', '    "bad name": prod', '    -x: prod', '    a..b: prod', `    long: s${'x'.repeat(63)}`);
    expect(problems.map((p) => [`${p.line}:${p.column}`, p.path])).toEqual([
      ['4:13', 'pipeline.branches.master'],
      ['5:5', 'pipeline.branches.bad name'],
      ['6:5', 'pipeline.branches.-x'],
      ['7:5', 'pipeline.branches.a..b'],
      ['8:11', 'pipeline.branches.long'],
    ]);
    expect(problems[0].message).toBe('expected a stage name: a name of lowercase letters, digits and dashes, starting with a letter, at most 63 characters, found "Staging"');
    expect(problems[1].message).toBe('expected a git branch name (no spaces, globs or "..", not starting with "-"), found "bad name"');
  });

  it('reports a promoteFrom naming a stage no branch maps to, or the target itself', () => {
    const problems = problemsOf('pipeline:', '  branches: { master: staging, prod: { stage: prod, promoteFrom: [stagin, prod, staging] } }');
    expect(problems).toEqual([
      {
        file: '/app/sluice.app.yml',
        line: 3,
        column: 67,
        path: 'pipeline.branches.prod.promoteFrom[0]',
        message: 'expected a stage another branch maps to: staging, found "stagin" (did you mean "staging"?)',
      },
      {
        file: '/app/sluice.app.yml',
        line: 3,
        column: 75,
        path: 'pipeline.branches.prod.promoteFrom[1]',
        message: 'expected a stage other than the target itself to promote from, found "prod"',
      },
    ]);
    expect(problemsOf('pipeline: { branches: { prod: { stage: prod, promoteFrom: [staging] } } }').map((p) => p.message)).toEqual([
      'expected a stage another branch maps to (none is mapped), found "staging"',
    ]);
  });

  it('reports pipeline problems together with those of other sections', () => {
    const problems = problemsOf('servics: []', 'pipeline: { concurrency: 0 }');
    expect(problems.map((p) => p.path)).toEqual(['servics', 'pipeline.concurrency']);
  });
});

describe('readPipelineDurationMs', () => {
  it.each([
    ['30s', 30_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['1.5h', 5_400_000],
    ['10 minutes', 600_000],
    ['1 day', 86_400_000],
    ['500ms', 500],
    [90, 90_000],
    ['90', 90_000],
  ])('reads %j as %i ms', (value, ms) => {
    expect(readPipelineDurationMs(value)).toBe(ms);
  });

  it.each(['0s', '0d', '7 weeks', 'soon', '', '-1m', -5, true, null])('refuses %j', (value) => {
    expect(readPipelineDurationMs(value)).toBeUndefined();
  });
});
