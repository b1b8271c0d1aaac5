import { describe, expect, it } from 'vitest';
import { isSluiceError, type Problem } from '../errors/index.js';
import { parseApp } from './parse-app.js';
import { resolveService } from './resolve-service.js';
import type { LoadedApp, ResolutionContext, ResolvedService } from './types.js';

const APP = 'app: shop\nservices: [api]\n';

function files(deployment: string[], app = APP): Record<string, string> {
  return { 'sluice.app.yml': app, 'api/sluice.yml': ['service: api', 'deployment:', ...deployment.map((line) => `  ${line}`), ''].join('\n') };
}

function problemsOf(sources: Record<string, string>): Problem[] {
  try {
    parseApp({ root: '/app', files: sources });
  } catch (error) {
    if (isSluiceError(error) && error.code === 'MANIFEST_INVALID') return error.problems;
    throw error;
  }
  throw new Error('expected MANIFEST_INVALID');
}

function context(cliParams: Record<string, string> = {}): ResolutionContext {
  return { stage: 'prod', region: 'local', cliParams, profile: 'prod', storedParams: {}, env: {}, secret: async () => undefined, output: async () => undefined, selfExtras: {} };
}

async function resolved(deployment: string[], cliParams: Record<string, string> = {}): Promise<ResolvedService> {
  const loaded: LoadedApp = parseApp({ root: '/app', files: files(deployment) });
  return resolveService(loaded, 'api', context(cliParams));
}

describe('deployment block: the whole example', () => {
  it('turns every setting into the rollout plan, routing and hook handlers', async () => {
    const service = await resolved([
      'strategy: { type: steps, weights: [1, 5, 25, 50], interval: 30s }',
      'alarms:',
      '  - { metric: errorRate, threshold: 0.05, period: 10s, evaluationPeriods: 2 }',
      '  - { metric: p99Duration, threshold: 800ms, period: 10s, evaluationPeriods: 2, datapointsToAlarm: 2, comparison: GreaterThanThreshold, treatMissingData: notBreaching, minInvocations: 20 }',
      '  - { metric: p99Duration, relative: 1.2x, period: 10s }',
      '  - { metric: errorRate, relative: +2pt, period: 10s }',
      'hooks: { preTraffic: src/hooks.pre, postTraffic: src/hooks.post, timeout: 90s }',
      'confirm-promotion: https://gate.example/approve',
      'sticky: header:X-User',
      'match: { header: X-Canary, value: "1" }',
    ]);
    expect(service.rollout.schedule.steps.map((s) => s.weight)).toEqual([1, 5, 25, 50, 100]);
    expect(service.rollout.alarms).toEqual([
      { name: 'errorRate > 0.05', metric: 'errorRate', threshold: 0.05, comparison: 'GreaterThanThreshold', periodMs: 10_000, evaluationPeriods: 2, datapointsToAlarm: 2, treatMissingData: 'missing', minInvocations: 10 },
      { name: 'p99Duration > 800ms', metric: 'p99Duration', threshold: 800, comparison: 'GreaterThanThreshold', periodMs: 10_000, evaluationPeriods: 2, datapointsToAlarm: 2, treatMissingData: 'notBreaching', minInvocations: 20 },
      { name: 'p99Duration > 1.2x baseline', metric: 'p99Duration', threshold: 0, relative: { factor: 1.2 }, comparison: 'GreaterThanThreshold', periodMs: 10_000, evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: 'missing', minInvocations: 10 },
      { name: 'errorRate > baseline +2pt', metric: 'errorRate', threshold: 0.02, relative: { factor: 1 }, comparison: 'GreaterThanThreshold', periodMs: 10_000, evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: 'missing', minInvocations: 10 },
    ]);
    expect(service.rollout.hooks).toEqual({
      preTraffic: { handler: 'src/hooks.pre', timeoutMs: 90_000 },
      postTraffic: { handler: 'src/hooks.post', timeoutMs: 90_000 },
      confirmPromotion: { url: 'https://gate.example/approve', timeoutMs: 90_000 },
    });
    expect(service.routing).toEqual({ sticky: { source: 'header', name: 'X-User' }, match: { header: 'X-Canary', value: '1' } });
    expect(service.hookHandlers.postTraffic).toEqual({ handler: 'src/hooks.post', handlerModule: 'src/hooks', handlerExport: 'post' });
  });

  it('applies the defaults: AllAtOnce, a 60 s period, 1 datapoint, missing data, 10 invocations, 60 s hooks', async () => {
    const service = await resolved(['alarms: [{ metric: p90Duration, threshold: 250, name: slow }]', 'hooks: { postTraffic: src/hooks.post }', 'sticky: cookie:session']);
    expect(service.rollout.schedule).toEqual({ name: 'AllAtOnce', steps: [{ weight: 100, waitMs: 0 }] });
    expect(service.rollout.alarms[0]).toEqual({ name: 'slow', metric: 'p90Duration', threshold: 250, comparison: 'GreaterThanThreshold', periodMs: 60_000, evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: 'missing', minInvocations: 10 });
    expect(service.rollout.hooks).toEqual({ postTraffic: { handler: 'src/hooks.post', timeoutMs: 60_000 } });
    expect(service.routing).toEqual({ sticky: { source: 'cookie', name: 'session' } });
  });

  it('gives a service without a deployment block an AllAtOnce plan with nothing else', async () => {
    const loaded = parseApp({ root: '/app', files: { 'sluice.app.yml': APP, 'api/sluice.yml': 'service: api\n' } });
    const service = await resolveService(loaded, 'api', context());
    expect(service.rollout).toEqual({ schedule: { name: 'AllAtOnce', steps: [{ weight: 100, waitMs: 0 }] }, alarms: [], hooks: {} });
    expect([service.routing, service.hookHandlers, loaded.services[0].hookHandlers]).toEqual([{}, {}, {}]);
  });

  it('reads comparisons as symbols, thresholds as percents and seconds, and counts', async () => {
    const service = await resolved([
      'alarms:',
      '  - { metric: errorRate, threshold: 5%, comparison: ">=" }',
      '  - { metric: p50Duration, threshold: 1.5s, comparison: LessThanOrEqualToThreshold }',
      '  - { metric: throttles, threshold: 3, treatMissingData: breaching, minInvocations: 0 }',
      '  - { metric: invocations, relative: 0.5x, comparison: "<" }',
    ]);
    expect(service.rollout.alarms.map((a) => [a.name, a.threshold, a.comparison])).toEqual([
      ['errorRate >= 0.05', 0.05, 'GreaterThanOrEqualToThreshold'],
      ['p50Duration <= 1500ms', 1500, 'LessThanOrEqualToThreshold'],
      ['throttles > 3', 3, 'GreaterThanThreshold'],
      ['invocations < 0.5x baseline', 0, 'LessThanThreshold'],
    ]);
    expect(service.rollout.alarms[2]).toMatchObject({ treatMissingData: 'breaching', minInvocations: 0 });
  });

  it('gives LoadedService the hook handlers before any stage is known', () => {
    const loaded = parseApp({ root: '/app', files: files(['hooks: { preTraffic: lib/checks/smoke.run }']) });
    expect(loaded.services[0].hookHandlers).toEqual({ preTraffic: { handler: 'lib/checks/smoke.run', handlerModule: 'lib/checks/smoke', handlerExport: 'run' } });
  });
});

describe('deployment block: problems, located', () => {
  it('reports a bad percent, weights that do not increase and a bad interval at their positions', () => {
    const problems = problemsOf(files(['strategy: { type: steps, weights: [1, 25, 5], interval: soon }']));
    expect(problems).toEqual([
      { file: '/app/api/sluice.yml', line: 3, column: 59, path: 'deployment.strategy.interval', message: 'expected an interval like 10s, 500ms, 5m, 1h or a number of seconds, above 0, found "soon"' },
      { file: '/app/api/sluice.yml', line: 3, column: 45, path: 'deployment.strategy.weights[2]', message: 'expected weights that strictly increase, found 5 after 25' },
    ].sort((a, b) => a.column - b.column));
    const [percent] = problemsOf(files(['strategy: { type: canary, percent: 0, interval: 10s }']));
    expect(percent).toMatchObject({ line: 3, column: 38, path: 'deployment.strategy.percent', message: 'expected a whole percent from 1 to 100, found 0' });
  });

  it('suggests the closest strategy name and the closest key of a custom strategy', () => {
    const [name] = problemsOf(files(['strategy: Linear10PercentEvry1Minute']));
    expect(name).toMatchObject({ line: 3, column: 13, path: 'deployment.strategy' });
    expect(name.message).toMatch(/found "Linear10PercentEvry1Minute" \(did you mean "Linear10PercentEvery1Minute"\?\)$/);
    const [key] = problemsOf(files(['strategy: { type: linear, percent: 10, intervall: 1m }']));
    expect(key).toMatchObject({ path: 'deployment.strategy.intervall', message: 'unknown key "intervall" (did you mean "interval"?); expected one of type, percent, interval, weights' });
  });

  it('reports alarm values that do not fit, with what was found', () => {
    const problems = problemsOf(
      files([
        'alarms:',
        '  - { metric: errorRat, threshold: 0.05 }',
        '  - { metric: errorRate, threshold: 5 }',
        '  - { metric: p99Duration, threshold: 800ms, period: 1500ms, evaluationPeriods: 2, datapointsToAlarm: 3 }',
        '  - { metric: p99Duration, threshold: fast, treatMissingData: maybe, comparison: bigger }',
        '  - { metric: errors }',
        '  - { metric: errorRate, threshold: 0.1, relative: 2x }',
        '  - { metric: errorRate, relative: +2ms }',
        '  - { metric: errorRate, threshold: 0.1, periods: 2 }',
      ]),
    );
    expect(problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`)).toEqual([
      '4:17 deployment.alarms[0].metric: expected a metric: invocations, errors, errorRate, throttles, p50Duration, p90Duration, p99Duration, found "errorRat" (did you mean "errorRate"?)',
      '5:39 deployment.alarms[1].threshold: expected an error rate threshold from 0 to 1 (like 0.05) or a percent (like 5%), found 5',
      '6:56 deployment.alarms[2].period: expected a period of whole seconds, at least 1s, like 10s or 1m (a plain number is seconds), found "1500ms"',
      '6:105 deployment.alarms[2].datapointsToAlarm: expected a whole number of datapoints from 1 to evaluationPeriods (2), found 3',
      '7:41 deployment.alarms[3].threshold: expected a duration threshold like 800ms or 1.5s (a plain number is milliseconds), found "fast"',
      '7:65 deployment.alarms[3].treatMissingData: expected how to treat missing data: missing, notBreaching, breaching, ignore, found "maybe"',
      '7:84 deployment.alarms[3].comparison: expected a comparison (or >, >=, <, <=): GreaterThanThreshold, GreaterThanOrEqualToThreshold, LessThanThreshold, LessThanOrEqualToThreshold, found "bigger"',
      '8:7 deployment.alarms[4].threshold: missing required key "threshold": expected threshold (an absolute limit) or relative (a limit against the old version, like 1.2x); expected a whole number threshold, 0 or more',
      '9:54 deployment.alarms[5].relative: expected either threshold (an absolute limit) or relative (a limit against the old version), found both',
      '10:38 deployment.alarms[6].relative: expected a relative limit like 1.5x (times the baseline) or +2pt (baseline plus percentage points), found "+2ms"',
      '11:44 deployment.alarms[7].periods: unknown key "periods" (did you mean "period"?); expected one of name, metric, threshold, relative, comparison, period, evaluationPeriods, datapointsToAlarm, treatMissingData, minInvocations',
    ]);
  });

  it('reports two alarms with the same name', () => {
    const [problem] = problemsOf(files(['alarms: [{ metric: errors, threshold: 1 }, { metric: errors, threshold: 1, period: 5s }]']));
    expect(problem).toMatchObject({ path: 'deployment.alarms[1]', message: 'expected alarms with distinct names, found a second "errors > 1" (give one of them a name:)' });
  });

  it('reports hook handlers with variables, bad timeouts, gates, sticky keys and matches', () => {
    const problems = problemsOf(
      files([
        'hooks: { preTraffic: "${param:hook}", postTraffic: src/hooks, timeout: 2h }',
        'confirm-promotion: ftp://gate.example',
        'sticky: ip:X-User',
        'match: { header: X-Canary }',
      ]),
    );
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['deployment.hooks.preTraffic', 'expected a handler written out without ${…} variables (code is bundled before any stage is known), found "${param:hook}"'],
      ['deployment.hooks.postTraffic', 'expected a handler like src/handler.submit (a module path inside the service, without extension, then the exported name), found "src/hooks"'],
      ['deployment.hooks.timeout', 'expected a hook timeout from 1s to 1h, like 60s or 5m (a plain number is seconds), found "2h"'],
      ['deployment.confirm-promotion', 'expected the URL of an HTTP gate, like https://gate.example/approve (http or https), found "ftp://gate.example"'],
      ['deployment.sticky', 'expected header:NAME or cookie:NAME (like header:X-User), the key that keeps a caller on one version, found "ip:X-User"'],
      ['deployment.match.value', 'missing required key "value": expected the header value that sends a caller to the new version, like "1"'],
    ]);
  });

  it('validates a stage strategy in sluice.app.yml the same way, and keeps it as written', () => {
    const app = 'app: shop\nservices: [api]\nstages:\n  prod: { profile: prod, strategy: Canary10Percnt5Minutes }\n  qa: { profile: qa, strategy: { type: linear, percent: 0, interval: 1m } }\n  dev: { profile: dev, strategy: { type: canary, percent: 5, interval: 10s } }\n';
    const problems = problemsOf({ 'sluice.app.yml': app, 'api/sluice.yml': 'service: api\n' });
    expect(problems.map((p) => [p.file, p.line, p.path, p.message.replace(/^expected a strategy: .*, found/, 'found')])).toEqual([
      ['/app/sluice.app.yml', 4, 'stages.prod.strategy', 'found "Canary10Percnt5Minutes" (did you mean "Canary10Percent5Minutes"?)'],
      ['/app/sluice.app.yml', 5, 'stages.qa.strategy.percent', 'expected a whole percent from 1 to 100, found 0'],
    ]);
    const loaded = parseApp({ root: '/app', files: { 'sluice.app.yml': 'app: shop\nstages:\n  dev: { profile: dev, strategy: { type: canary, percent: 5, interval: 10s } }\n' } });
    expect(loaded.app.stages.dev.strategy).toEqual({ type: 'canary', percent: 5, interval: '10s' });
  });
});

describe('deployment block: variables', () => {
  it('checks values from variables once resolved, naming the variable', async () => {
    const loaded = parseApp({ root: '/app', files: files(['strategy: { type: canary, percent: "${param:pct}", interval: "${param:every}" }']) });
    const service = await resolveService(loaded, 'api', context({ pct: '25', every: '2m' }));
    expect(service.rollout.schedule.steps).toEqual([{ weight: 25, waitMs: 120_000 }, { weight: 100, waitMs: 0 }]);
    const error = await resolveService(loaded, 'api', context({ pct: '150', every: '2m' })).catch((e: unknown) => e);
    expect(isSluiceError(error) && error.problems.map((p) => p.message)).toEqual(['expected a whole percent from 1 to 100, found "150" (from ${param:pct})']);
  });

  it('accepts a whole strategy from a param', async () => {
    const service = await resolved(['strategy: ${param:strategy}'], { strategy: 'Linear10PercentEvery3Minutes' });
    expect(service.rollout.schedule.name).toBe('Linear10PercentEvery3Minutes');
  });
});
