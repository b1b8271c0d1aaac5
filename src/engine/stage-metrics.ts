// A stage's metrics as time series for charts: per version of each function, invocations, errors, throttles
// and p50/p99 duration per step. Steps are aligned to multiples of the step, and every series has a point
// for every step (zeros, null percentiles), so the series share one time axis. Versions that served in the
// window count even once they are no longer live: a rollback's chart shows the version it rolled back.

import { SluiceError } from '../errors/index.js';
import type { Store } from '../store/index.js';
import { addSample, emptyTotals, percentileFromHistogram, type WindowTotals } from './rollout/index.js';
import type { MetricPoint, MetricSeries, StageMetrics } from './stage-metrics-types.js';

export async function stageMetrics(store: Store, query: { app: string; stage: string; sinceMs: number; stepMs: number; now: number }): Promise<StageMetrics> {
  const { app, stage, stepMs, now } = query;
  if (!(await store.getStage(app, stage))) throw new SluiceError('STAGE_NOT_FOUND', `Stage ${stage} of app ${app} is not deployed.`);
  const from = Math.floor((now - query.sinceMs) / stepMs) * stepMs;
  const stepCount = Math.floor((now - from) / stepMs) + 1;
  const [samples, aliases] = await Promise.all([store.queryMetrics({ app, stage, fromBucket: from, toBucket: now }), store.listAliases(app, stage)]);

  const series = new Map<string, { service: string; function: string; versionId: string; steps: Map<number, WindowTotals> }>();
  const seriesOf = (service: string, fn: string, versionId: string) => {
    const id = JSON.stringify([service, fn, versionId]);
    let entry = series.get(id);
    if (!entry) series.set(id, (entry = { service, function: fn, versionId, steps: new Map() }));
    return entry;
  };
  for (const alias of aliases) {
    if (alias.name !== 'live') continue;
    for (const target of alias.targets) if (target.weight > 0) seriesOf(alias.service, alias.function, target.versionId);
  }
  for (const sample of samples) {
    const index = Math.floor((sample.bucket - from) / stepMs);
    if (index < 0 || index >= stepCount) continue;
    const steps = seriesOf(sample.service, sample.function, sample.versionId).steps;
    let totals = steps.get(index);
    if (!totals) steps.set(index, (totals = emptyTotals()));
    addSample(totals, sample);
  }

  const entries = [...series.values()];
  const versions = await Promise.all(entries.map((entry) => store.getVersion(entry.versionId)));
  const result = entries.map((entry, index): MetricSeries => ({
    service: entry.service,
    function: entry.function,
    versionId: entry.versionId,
    number: versions[index]?.number ?? 0,
    points: Array.from({ length: stepCount }, (_, step) => point(from + step * stepMs, entry.steps.get(step))),
  }));
  result.sort((a, b) => a.service.localeCompare(b.service) || a.function.localeCompare(b.function) || a.number - b.number || a.versionId.localeCompare(b.versionId));
  return { from, to: now, stepMs, series: result };
}

function point(t: number, totals: WindowTotals | undefined): MetricPoint {
  if (!totals) return { t, invocations: 0, errors: 0, throttles: 0, p50Ms: null, p99Ms: null };
  const timed = totals.invocations > 0;
  return {
    t,
    invocations: totals.invocations,
    errors: totals.errors,
    throttles: totals.throttles,
    p50Ms: timed ? percentileFromHistogram(totals.histogram, 0.5) : null,
    p99Ms: timed ? percentileFromHistogram(totals.histogram, 0.99) : null,
  };
}
