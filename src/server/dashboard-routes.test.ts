// The dashboard's read routes through the app object on a real store: the overview matrix with health from
// known metric samples, a stage's metric series, a rollout's alarm datapoints as the machine judges them,
// and the profiles list, which names secrets and never shows their values.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRollout } from '../engine/rollout/index.js';
import { alarm } from '../engine/rollout/testing/metric-samples.js';
import { rolloutInput } from '../engine/rollout/testing/rollout-inputs.js';
import type { AlarmSpec, RolloutState } from '../engine/rollout/types.js';
import { DURATION_BUCKETS_MS, type FunctionConfig, type MetricSample } from '../store/index.js';
import type { Overview, OverviewPreview, RolloutAnalysis, StageMetrics, ProfileSummary } from '../engine/index.js';
import { startApiHarness, type ApiHarness } from './testing/api-harness.js';

let h: ApiHarness;
/** Now: a whole minute, so metric steps of 60 s start at round numbers. */
const T = 1_700_000_040_000;
const SECRET_VALUE = 'sshh-dashboard-7f3c91e2';

const config: FunctionConfig = {
  runtime: 'node20', handler: 'src/handler.main', handlerExport: 'main', timeout: 6, memory: 256, concurrency: 20,
  environment: {}, secretEnvironment: {}, events: [{ type: 'http', method: 'GET', path: '/' }],
};

const SERVICE_OF: Record<string, string> = { submit: 'api', home: 'web', run: 'jobs' };

/** One second of calls of a version (`submit-2`: function submit of service api, v2) in shop's prod unless said. */
function sample(versionId: string, bucket: number, calls: { invocations: number; errors?: number; throttles?: number; durations: Array<[ms: number, count: number]> }, where: Partial<MetricSample> = {}): MetricSample {
  const histogram = new Array<number>(DURATION_BUCKETS_MS.length).fill(0);
  for (const [ms, count] of calls.durations) histogram[DURATION_BUCKETS_MS.findIndex((bound) => ms < bound)] += count;
  const fn = versionId.split('-')[0]!;
  return {
    app: 'shop', stage: 'prod', service: SERVICE_OF[fn]!, function: fn, versionId, bucket,
    invocations: calls.invocations, errors: calls.errors ?? 0, throttles: calls.throttles ?? 0,
    durationSumMs: calls.durations.reduce((sum, [ms, count]) => sum + ms * count, 0), durationHistogram: histogram, ...where,
  };
}

const errorRateAlarm: AlarmSpec = alarm({ name: 'errorRate > 0.05', periodMs: 10_000, minInvocations: 5 });
const p99Alarm: AlarmSpec = alarm({ name: 'p99Duration > 1.2x baseline', metric: 'p99Duration', threshold: 0, relative: { factor: 1.2 }, periodMs: 10_000, minInvocations: 5 });

function rolloutState(service: string, functions: RolloutState['functions'], startedAt: number, alarms: AlarmSpec[]): RolloutState {
  const input = { ...rolloutInput({ strategy: 'Canary10Percent5Minutes', alarms, functions }), id: `r-${service}`, service, deploymentId: `d-${service}` };
  return createRollout(input, startedAt).state;
}

async function get<T>(path: string): Promise<T> {
  const response = await h.call('GET', path);
  expect(response.status, `${path}: ${response.status}`).toBe(200);
  return (await response.json()) as T;
}

beforeAll(async () => {
  h = await startApiHarness();
  h.clock.advance(T - h.clock.now());
  const { store } = h;
  for (const [fn, service] of Object.entries(SERVICE_OF)) {
    for (const n of [1, 2, 3]) await store.createVersion({ id: `${fn}-${n}`, app: 'shop', service, function: fn, codeHash: `code-${fn}-${n}`, config });
  }
  await store.upsertStage({ app: 'shop', name: 'prod', profile: 'prod', kind: 'stage', approval: 'required' });
  await store.upsertStage({ app: 'shop', name: 'staging', profile: 'staging', kind: 'stage' });
  await store.upsertStage({ app: 'shop', name: 'alice', profile: 'dev', kind: 'stage' });
  await store.upsertStage({ app: 'shop', name: 'pr-7', profile: 'dev', kind: 'preview' });
  await store.upsertStage({ app: 'shop', name: 'pr-9', profile: 'dev', kind: 'preview' });
  await store.upsertStage({ app: 'blog', name: 'dev', profile: 'dev', kind: 'stage' });
  const deployed = async (stage: string, service: string, deployedAt: number, app = 'shop') =>
    store.upsertServiceInstance({ app, stage, service, url: `http://127.0.0.1:4601/${app}/${stage}/${service}`, deploymentId: `d-${stage}-${service}`, deployedAt });
  await deployed('prod', 'api', T - 3_600_000);
  await deployed('prod', 'web', T - 7_200_000);
  await deployed('staging', 'api', T - 60_000);
  await deployed('alice', 'worker', T - 10_000);
  await deployed('pr-7', 'api', T - 5000);
  await deployed('pr-9', 'api', T - 1000);
  await deployed('dev', 'posts', T - 1000, 'blog');
  const live = (stage: string, service: string, fn: string, targets: Array<[string, number]>) =>
    store.setAlias({ app: 'shop', stage, service, function: fn, name: 'live', targets: targets.map(([versionId, weight]) => ({ versionId, weight })) });
  await live('prod', 'api', 'submit', [['submit-2', 90], ['submit-3', 10]]);
  await live('prod', 'web', 'home', [['home-1', 100], ['home-2', 0]]);
  await live('staging', 'api', 'submit', [['submit-3', 100]]);
  await live('pr-7', 'api', 'submit', [['submit-3', 100]]);
  await store.upsertPreview({ app: 'shop', stage: 'pr-7', repoId: null, branch: 'feature-x', pr: 7, headSha: 'a'.repeat(40), lastActivityAt: T - 2000, commentId: null, protected: true }, T - 50_000);
  await store.upsertPreview({ app: 'shop', stage: 'pr-9', repoId: null, branch: 'fix-y', pr: null, headSha: 'b'.repeat(40), lastActivityAt: T - 1000, commentId: null, protected: false }, T - 20_000);

  await store.addMetrics([
    // prod api, under the canary: the analysis periods start at T-30s (see the analysis test).
    sample('submit-2', T - 25_000, { invocations: 10, durations: [[150, 10]] }),
    sample('submit-3', T - 25_000, { invocations: 10, durations: [[150, 10]] }),
    sample('submit-2', T - 15_000, { invocations: 10, durations: [[150, 10]] }),
    sample('submit-3', T - 15_000, { invocations: 2, durations: [[150, 2]] }),
    sample('submit-2', T - 10_000, { invocations: 90, errors: 9, durations: [[150, 90]] }),
    sample('submit-3', T - 10_000, { invocations: 10, errors: 1, durations: [[400, 10]] }),
    // prod web: error rate 0.1, p99 in the 500–750 ms bucket: 500 + 250 × (49.5 − 40) / 10 = 737.5.
    sample('home-1', T - 5000, { invocations: 50, errors: 5, durations: [[15, 40], [700, 10]] }),
    sample('home-1', T - 400_000, { invocations: 1000, errors: 1000, durations: [[15, 1000]] }),
    // staging: an old version in the window, the live one, and one before any window asked here.
    sample('submit-2', T - 150_000, { invocations: 5, errors: 5, durations: [[150, 5]] }, { stage: 'staging' }),
    sample('submit-3', T - 30_000, { invocations: 20, throttles: 3, durations: [[15, 10], [30, 10]] }, { stage: 'staging' }),
    sample('submit-1', T - 400_000, { invocations: 10, errors: 10, durations: [[15, 10]] }, { stage: 'staging' }),
    // the failed rollout of jobs (no instance): in its second period, and after it ended.
    sample('run-2', T - 45_000, { invocations: 8, errors: 4, durations: [[15, 8]] }),
    sample('run-2', T - 42_000, { invocations: 100, durations: [[15, 100]] }),
  ]);

  const canary = rolloutState('api', [{ function: 'submit', from: 'submit-2', to: 'submit-3' }], T - 30_000, [errorRateAlarm, p99Alarm]);
  await store.createRollout({ id: canary.id, app: 'shop', stage: 'prod', service: 'api', deploymentId: canary.deploymentId, status: 'active', state: canary as unknown as Record<string, unknown>, wakeAt: canary.wakeAt });
  const failed: RolloutState = {
    ...rolloutState('jobs', [{ function: 'run', from: 'run-1', to: 'run-2' }], T - 60_000, [errorRateAlarm]),
    phase: 'failed', finishedAt: T - 42_500, reason: 'errorRate 0.5 > 0.05 in 1 of 1 datapoints (window 22:14:50–22:15:00)',
  };
  await store.createRollout({ id: failed.id, app: 'shop', stage: 'prod', service: 'jobs', deploymentId: failed.deploymentId, status: 'failed', state: failed as unknown as Record<string, unknown>, wakeAt: null });

  const run = (id: string, stage: string, status: 'running' | 'awaiting_approval' | 'succeeded', createdAt: number) =>
    store.createRun({ id, app: 'shop', repoId: null, kind: 'branch', branch: stage, sha: 'c'.repeat(40), pr: null, stage, fork: false, trigger: {}, state: {}, status }, createdAt);
  await run('run-old', 'prod', 'running', T - 9000);
  await run('run-new', 'prod', 'awaiting_approval', T - 8000);
  await run('run-done', 'staging', 'succeeded', T - 7000);
});
afterAll(() => h?.close());

describe('GET /api/overview', () => {
  it('shows each app as services × stages with versions, health, rollout and run, previews apart', async () => {
    const overview = await get<Overview>('/api/overview');
    expect(overview.generatedAt).toBe(T);
    expect(overview.windowSeconds).toBe(300);
    expect(overview.apps.map((a) => a.app)).toEqual(['blog', 'shop']);
    const shop = overview.apps[1]!;
    expect(shop.services).toEqual(['api', 'web', 'worker']);
    expect(shop.stages.map((s) => s.name)).toEqual(['alice', 'staging', 'prod']);
    expect(shop.previews.map((p) => p.name)).toEqual(['pr-9', 'pr-7']);

    const prod = shop.stages[2]!;
    expect(prod).toMatchObject({ name: 'prod', profile: 'prod', kind: 'stage', approval: 'required', run: { id: 'run-new', number: 2, status: 'awaiting_approval', kind: 'branch' } });
    expect(Object.keys(prod.cells)).toEqual(['api', 'web']);
    expect(prod.cells.api).toEqual({
      url: 'http://127.0.0.1:4601/shop/prod/api',
      deployedAt: T - 3_600_000,
      versions: [{ function: 'submit', versionId: 'submit-2', number: 2, weight: 90 }, { function: 'submit', versionId: 'submit-3', number: 3, weight: 10 }],
      // Every version in the window: 10+10+10+2+90+10 calls, 9+1 errors; p99 rank 130.68 of 132 in the 300–500 ms bucket.
      health: { invocations: 132, errors: 10, errorRate: 10 / 132, p99Ms: expect.closeTo(300 + (200 * (130.68 - 122)) / 10, 6) },
      rollout: { id: 'r-api', weight: 10, strategy: 'Canary10Percent5Minutes', phase: 'shifting', paused: false },
    });
    // A weight-0 target is not shown; the sample from 400 s ago is outside the 300 s window.
    expect(prod.cells.web).toEqual({
      url: 'http://127.0.0.1:4601/shop/prod/web', deployedAt: T - 7_200_000,
      versions: [{ function: 'home', versionId: 'home-1', number: 1, weight: 100 }],
      health: { invocations: 50, errors: 5, errorRate: 0.1, p99Ms: 737.5 },
      rollout: null,
    });

    const staging = shop.stages[1]!;
    expect(staging.run).toBeNull();
    expect(staging.cells.api!.health).toEqual({ invocations: 25, errors: 5, errorRate: 0.2, p99Ms: expect.any(Number) });
    expect(shop.stages[0]!.cells.worker!.health).toEqual({ invocations: 0, errors: 0, errorRate: null, p99Ms: null });

    const [pr9, pr7] = shop.previews as [OverviewPreview, OverviewPreview];
    expect(pr7).toMatchObject({ kind: 'preview', profile: 'dev', branch: 'feature-x', pr: 7, createdAt: T - 50_000, lastActivityAt: T - 2000, protected: true, run: null });
    expect(pr7.cells.api!.versions).toEqual([{ function: 'submit', versionId: 'submit-3', number: 3, weight: 100 }]);
    expect(pr9).toMatchObject({ branch: 'fix-y', pr: null, protected: false });
  });

  it('takes the health window from ?window= in seconds, and refuses a bad one', async () => {
    const wide = await get<Overview>('/api/overview?window=600');
    const staging = wide.apps[1]!.stages.find((s) => s.name === 'staging')!;
    expect(wide.windowSeconds).toBe(600);
    expect(staging.cells.api!.health).toMatchObject({ invocations: 35, errors: 15 });
    for (const bad of ['abc', '0', '5', '1.5', '-300', '90000']) {
      const response = await h.call('GET', `/api/overview?window=${bad}`);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('INVALID_ARGUMENT');
    }
  });
});

describe('GET /api/apps/:app/stages/:stage/metrics', () => {
  it('gives a series per version, old versions with traffic in the window included, on one time axis', async () => {
    const metrics = await get<StageMetrics>('/api/apps/shop/stages/staging/metrics?since=180&step=60');
    expect(metrics).toMatchObject({ from: T - 180_000, to: T, stepMs: 60_000 });
    const empty = (t: number) => ({ t, invocations: 0, errors: 0, throttles: 0, p50Ms: null, p99Ms: null });
    expect(metrics.series).toEqual([
      {
        service: 'api', function: 'submit', versionId: 'submit-2', number: 2,
        // Five calls in the 100–200 ms bucket: p50 at rank 2.5 → 150, p99 at rank 4.95 → 199.
        points: [{ t: T - 180_000, invocations: 5, errors: 5, throttles: 0, p50Ms: 150, p99Ms: 199 }, empty(T - 120_000), empty(T - 60_000), empty(T)],
      },
      {
        service: 'api', function: 'submit', versionId: 'submit-3', number: 3,
        // 10 calls in 10–20 ms, 10 in 20–50 ms: p50 at rank 10 → 20, p99 at rank 19.8 → 20 + 30 × 9.8 / 10.
        points: [empty(T - 180_000), empty(T - 120_000), { t: T - 60_000, invocations: 20, errors: 0, throttles: 3, p50Ms: 20, p99Ms: expect.closeTo(49.4, 9) }, empty(T)],
      },
    ]);
  });

  it('lists live versions without traffic, and refuses bad spans and unknown stages', async () => {
    const metrics = await get<StageMetrics>('/api/apps/shop/stages/prod/metrics');
    expect(metrics.stepMs).toBe(60_000);
    expect(metrics.from).toBe(T - 3_600_000);
    expect(metrics.series.map((s) => `${s.function} v${s.number}`)).toEqual(['submit v2', 'submit v3', 'run v2', 'home v1']);
    expect(metrics.series.every((s) => s.points.length === 61)).toBe(true);
    for (const query of ['since=90000', 'since=60&step=120', 'step=5', 'since=x']) {
      const response = await h.call('GET', `/api/apps/shop/stages/prod/metrics?${query}`);
      expect(response.status, query).toBe(400);
    }
    const missing = await h.call('GET', '/api/apps/shop/stages/nope/metrics');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('STAGE_NOT_FOUND');
  });
});

describe('GET /api/apps/:app/stages/:stage/rollouts/:service/analysis', () => {
  it('gives the schedule and, per alarm, every period since the start as the machine judges it', async () => {
    const { rollout, alarms } = await get<RolloutAnalysis>('/api/apps/shop/stages/prod/rollouts/api/analysis');
    expect(rollout).toEqual({
      id: 'r-api', status: 'active', phase: 'shifting', weight: 10, paused: false, strategy: 'Canary10Percent5Minutes',
      steps: [{ weight: 10, waitMs: 300_000 }, { weight: 100, waitMs: 0 }], stepIndex: 0, nextStepAt: T - 30_000 + 300_000,
      startedAt: T - 30_000, finishedAt: null, reason: null,
      functions: [{ function: 'submit', from: { versionId: 'submit-2', number: 2 }, to: { versionId: 'submit-3', number: 3 } }],
    });
    const [errorRate, p99] = alarms;
    expect(errorRate).toMatchObject({ name: 'errorRate > 0.05', metric: 'errorRate', comparison: 'GreaterThanThreshold', threshold: 0.05, relative: null, periodMs: 10_000, evaluationPeriods: 1, minInvocations: 5, problem: null });
    expect(errorRate!.datapoints).toEqual([
      { t: T - 30_000, canary: 0, baseline: 0, limit: 0.05, breaching: false, noData: false, invocations: 10 },
      { t: T - 20_000, canary: 0, baseline: 0, limit: 0.05, breaching: false, noData: true, invocations: 2 },
      { t: T - 10_000, canary: 0.1, baseline: 0.1, limit: 0.05, breaching: true, noData: false, invocations: 10 },
    ]);
    expect(p99).toMatchObject({ metric: 'p99Duration', threshold: null, relative: '1.2x baseline' });
    // 150 ms calls: p99 199 on both sides, limit 1.2 × 199; then the canary's 400 ms calls: p99 498.
    expect(p99!.datapoints).toEqual([
      { t: T - 30_000, canary: 199, baseline: 199, limit: expect.closeTo(238.8, 9), breaching: false, noData: false, invocations: 10 },
      { t: T - 20_000, canary: 199, baseline: 199, limit: expect.closeTo(238.8, 9), breaching: false, noData: true, invocations: 2 },
      { t: T - 10_000, canary: 498, baseline: 199, limit: expect.closeTo(238.8, 9), breaching: true, noData: false, invocations: 10 },
    ]);
  });

  it('shows a finished rollout up to its end, with its reason', async () => {
    const { rollout, alarms } = await get<RolloutAnalysis>('/api/apps/shop/stages/prod/rollouts/jobs/analysis');
    expect(rollout).toMatchObject({ status: 'failed', phase: 'failed', finishedAt: T - 42_500, reason: expect.stringContaining('errorRate 0.5 > 0.05') });
    // 17.5 s from start to end: two periods; the calls at T-42s came after the end and are left out.
    expect(alarms[0]!.datapoints).toEqual([
      { t: T - 60_000, canary: null, baseline: null, limit: 0.05, breaching: false, noData: true, invocations: 0 },
      { t: T - 50_000, canary: 0.5, baseline: null, limit: 0.05, breaching: true, noData: false, invocations: 8 },
    ]);
    const none = await h.call('GET', '/api/apps/shop/stages/prod/rollouts/web/analysis');
    expect(none.status).toBe(404);
  });
});

describe('GET /api/profiles', () => {
  it('lists profiles from stages, params, secrets and the latest manifest, naming secrets and never showing them', async () => {
    expect((await h.call('PUT', '/api/profiles/prod/secrets/API_KEY', { body: { value: SECRET_VALUE } })).status).toBe(200);
    expect((await h.call('PUT', '/api/profiles/prod/params/region', { body: { value: 'eu-west-1' } })).status).toBe(200);
    expect((await h.call('PUT', '/api/profiles/qa/params/seed', { body: { value: '42' } })).status).toBe(200);
    const manifest = ['app: shop', 'profiles:', '  dev: {}', '  staging: { params: { env: staging } }', '  prod: { approval: required }', '  perf: {}',
      'stages:', '  staging: { profile: staging }', '  prod: { profile: prod }', "  '*': { profile: dev }"].join('\n');
    await h.store.createRelease({ id: 'rel-1', app: 'shop', stage: 'staging', commitSha: null, treeSha: null, sources: { 'sluice.app.yml': manifest }, functionCode: {}, params: {}, runId: null }, T);

    const response = await h.call('GET', '/api/profiles');
    const text = await response.text();
    expect(text).not.toContain(SECRET_VALUE);
    expect(text).not.toContain((await h.store.getSecret('prod', 'API_KEY'))!);
    const { profiles } = JSON.parse(text) as { profiles: ProfileSummary[] };
    expect(profiles.map((p) => p.name)).toEqual(['dev', 'perf', 'prod', 'qa', 'staging']);
    const byName = Object.fromEntries(profiles.map((p) => [p.name, p]));
    expect(byName.prod).toEqual({
      name: 'prod', params: { region: 'eu-west-1' }, manifestParams: [], secrets: [{ name: 'API_KEY', updatedAt: expect.any(Number) }],
      stages: [{ app: 'shop', stage: 'prod' }], mappedBy: [{ app: 'shop', stage: 'prod' }], approval: 'required',
    });
    expect(byName.staging).toMatchObject({ manifestParams: [{ app: 'shop', params: { env: 'staging' } }], approval: 'none' });
    expect(byName.dev!.stages).toEqual([{ app: 'blog', stage: 'dev' }, { app: 'shop', stage: 'alice' }, { app: 'shop', stage: 'pr-7' }, { app: 'shop', stage: 'pr-9' }]);
    expect(byName.dev!.mappedBy).toEqual([{ app: 'shop', stage: '*' }]);
    expect(byName.qa).toMatchObject({ params: { seed: '42' }, stages: [], secrets: [] });
  });
});
