import { describe, expect, it } from 'vitest';
import { parseApp, parseStrategy, resolveService, type AppManifest, type ResolutionContext } from '../../manifest/index.js';
import { chooseSchedule, rolloutPlanFor, stageSchedule } from './choose-schedule.js';

const canary = parseStrategy('Canary10Percent5Minutes');
const linear = parseStrategy('Linear10PercentEvery1Minute');
const steps = parseStrategy({ type: 'steps', weights: [1, 50], interval: '10s' });

describe('chooseSchedule', () => {
  it('takes --strategy over the stage over the service over AllAtOnce', () => {
    expect(chooseSchedule({ deploy: steps, stage: linear, service: canary })).toBe(steps);
    expect(chooseSchedule({ stage: linear, service: canary })).toBe(linear);
    expect(chooseSchedule({ service: canary })).toBe(canary);
    expect(chooseSchedule({}).name).toBe('AllAtOnce');
  });
});

describe('stageSchedule and rolloutPlanFor', () => {
  const app = {
    stages: { prod: { profile: 'prod', strategy: 'Linear10PercentEvery1Minute' }, staging: { profile: 'staging' }, '*': { profile: 'dev', strategy: { type: 'canary', percent: 50, interval: '5s' } } },
  } as unknown as AppManifest;

  it('reads the strategy of the stage’s own entry, else of the "*" entry', () => {
    expect(stageSchedule(app, 'prod')).toEqual(linear);
    expect(stageSchedule(app, 'staging')).toBeUndefined();
    expect(stageSchedule(app, 'alice')?.steps).toEqual([{ weight: 50, waitMs: 5000 }, { weight: 100, waitMs: 0 }]);
  });

  it('gives the service’s plan the schedule of the deployment, keeping alarms and hooks', async () => {
    const loaded = parseApp({
      root: '/app',
      files: {
        'sluice.app.yml': 'app: shop\nservices: [api]\nstages:\n  prod: { profile: prod, strategy: Linear10PercentEvery1Minute }\n',
        'api/sluice.yml': 'service: api\ndeployment:\n  strategy: Canary10Percent5Minutes\n  alarms: [{ metric: errors, threshold: 1 }]\n',
      },
    });
    const ctx: ResolutionContext = { stage: 'prod', region: 'local', cliParams: {}, profile: 'prod', storedParams: {}, env: {}, secret: async () => undefined, output: async () => undefined, selfExtras: {} };
    const service = await resolveService(loaded, 'api', ctx);
    expect(rolloutPlanFor({ service, app: loaded.app, stage: 'prod' }).schedule.name).toBe('Linear10PercentEvery1Minute');
    expect(rolloutPlanFor({ service, app: loaded.app, stage: 'dev' }).schedule.name).toBe('Canary10Percent5Minutes');
    const deployed = rolloutPlanFor({ service, app: loaded.app, stage: 'prod', strategy: steps });
    expect([deployed.schedule, deployed.alarms.map((a) => a.name)]).toEqual([steps, ['errors > 1']]);
  });
});
