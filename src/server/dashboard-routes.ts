// Read routes made for the web dashboard: the overview matrix, a stage's metric series, a rollout's alarm
// datapoints, and the profiles with their params and secret names. Each validates its query here and
// leaves the reading to the engine (overview.ts, stage-metrics.ts, rollout-analysis.ts, profile-summary.ts).

import type { Context, Hono } from 'hono';
import { listProfiles, loadOverview, rolloutAnalysis, stageMetrics, type EngineContext } from '../engine/index.js';
import { SluiceError } from '../errors/index.js';

const DAY_SECONDS = 86_400;

export function registerDashboardRoutes(api: Hono, engine: EngineContext): void {
  const { store } = engine;

  api.get('/api/overview', async (c) => {
    const window = secondsQuery(c, 'window', { fallback: 300, min: 10, max: DAY_SECONDS });
    return c.json(await loadOverview(store, { now: engine.now(), windowMs: window * 1000 }));
  });

  api.get('/api/apps/:app/stages/:stage/metrics', async (c) => {
    const { app, stage } = c.req.param();
    const since = secondsQuery(c, 'since', { fallback: 3600, min: 10, max: DAY_SECONDS });
    const step = secondsQuery(c, 'step', { fallback: Math.min(60, since), min: 10, max: since });
    return c.json(await stageMetrics(store, { app, stage, sinceMs: since * 1000, stepMs: step * 1000, now: engine.now() }));
  });

  api.get('/api/apps/:app/stages/:stage/rollouts/:service/analysis', async (c) => {
    const { app, stage, service } = c.req.param();
    return c.json(await rolloutAnalysis(store, { app, stage, service, now: engine.now() }));
  });

  api.get('/api/profiles', async (c) => c.json({ profiles: await listProfiles(store) }));
}

/** A whole number of seconds from the query string, within bounds; the fallback when absent. */
function secondsQuery(c: Context, name: string, bounds: { fallback: number; min: number; max: number }): number {
  const text = c.req.query(name);
  if (text === undefined || text === '') return bounds.fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < bounds.min || value > bounds.max) {
    throw new SluiceError('INVALID_ARGUMENT', `Query parameter ${name} must be a whole number of seconds from ${bounds.min} to ${bounds.max}, got "${text}".`, {
      hint: name === 'step' ? 'step is at least 10 and at most since.' : `Give ${name} in seconds, at most ${DAY_SECONDS} (24 hours).`,
    });
  }
  return value;
}
