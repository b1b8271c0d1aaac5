// Records and helpers the store contract suite builds its cases from: a fake clock, a function config,
// versions, aliases, instances, logs, metric samples and rollouts with the defaults of the workshop example.

import { DURATION_BUCKETS_MS } from '../types.js';
import type { AliasRules, AliasTarget, FunctionConfig, LogEntry, MetricSample, NewVersion, ServiceInstanceRecord } from '../types.js';
import type { NewRollout } from '../rollout-queries.js';

export interface FakeClock {
  now(): number;
  advance(ms: number): void;
}

export function fakeClock(start = 1_700_000_000_000): FakeClock {
  let time = start;
  return { now: () => time, advance: (ms) => { time += ms; } };
}

export const config = (overrides: Partial<FunctionConfig> = {}): FunctionConfig => ({
  runtime: 'node20',
  handler: 'src/handler.submit',
  handlerExport: 'submit',
  timeout: 6,
  memory: 256,
  concurrency: 20,
  environment: { TABLE: 'workshop-dev-database-submissions' },
  secretEnvironment: { API_KEY: 'v1:cipher' },
  events: [{ type: 'http', method: 'POST', path: '/submissions' }, { type: 'schedule', expression: 'rate(5 minutes)', enabled: true }],
  ...overrides,
});

export const newVersion = (id: string, overrides: Partial<NewVersion> = {}): NewVersion => ({
  id, app: 'workshop', service: 'restapi', function: 'submit', codeHash: `code-${id}`, config: config(), ...overrides,
});

/** The `live` alias of a function of the workshop app (stage dev unless given). */
export const live = (service: string, fn: string, targets: AliasTarget[], stage = 'dev', rules?: AliasRules) =>
  ({ app: 'workshop', stage, service, function: fn, name: 'live', targets, ...(rules ? { rules } : {}) });

export const instance = (service: string, stage = 'dev'): ServiceInstanceRecord =>
  ({ app: 'workshop', stage, service, url: `http://x/${stage}/${service}`, deploymentId: 'd', deployedAt: 1 });

export const logEntry = (message: string, overrides: Partial<LogEntry> = {}): LogEntry => ({
  ts: 1000, app: 'workshop', stage: 'dev', service: 'restapi', function: 'submit', versionId: 'v1',
  requestId: 'req-1', level: 'log', message, ...overrides,
});

export const sample = (overrides: Partial<MetricSample> = {}): MetricSample => ({
  app: 'workshop', stage: 'dev', service: 'restapi', function: 'submit', versionId: 'v1', bucket: 5000,
  invocations: 1, errors: 0, throttles: 0, durationSumMs: 12.5,
  durationHistogram: DURATION_BUCKETS_MS.map((_, i) => (i === 4 ? 1 : 0)), ...overrides,
});

export const newRollout = (id: string, overrides: Partial<NewRollout> = {}): NewRollout => ({
  id, app: 'workshop', stage: 'prod', service: 'restapi', deploymentId: `d-${id}`, status: 'active',
  state: { phase: 'preTraffic', weight: 0, functions: [{ function: 'submit', from: 'v1', to: 'v2' }] }, wakeAt: null, ...overrides,
});

/** The error a promise rejects with; fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}
