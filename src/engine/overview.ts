// The dashboard's overview: every app as a matrix of services × stages, each cell with its live versions,
// health over a recent window, and the rollout in progress; previews apart with their branch and PR.
// Built from a handful of whole-store reads (stages, previews, routing, active rollouts, unfinished runs)
// plus two per stage (its service instances and its metric samples), never one per function.

import type { MetricSample, PipelineRunRecord, PreviewRecord, RolloutRecord, RoutedService, StageRecord, Store } from '../store/index.js';
import type { Overview, OverviewApp, OverviewCell, OverviewPreview, OverviewStage, ServiceHealth } from './overview-types.js';
import { addSample, emptyTotals, percentileFromHistogram } from './rollout/index.js';
import type { RolloutState } from './rollout/types.js';

const UNFINISHED_RUNS = ['queued', 'running', 'awaiting_approval'] as const;
/** Enough for every unfinished run of a busy team; older ones beyond it are not shown on the overview. */
const RUN_LIMIT = 500;

export async function loadOverview(store: Store, options: { now: number; windowMs: number }): Promise<Overview> {
  const { now, windowMs } = options;
  const [stages, previews, routing, rollouts, runs] = await Promise.all([
    store.listStages(),
    store.listPreviews(),
    store.loadRouting(),
    store.listActiveRollouts(),
    store.listRuns({ statuses: [...UNFINISHED_RUNS], limit: RUN_LIMIT }),
  ]);
  const routed = new Map(routing.services.map((service) => [key(service.app, service.stage, service.service), service]));
  const activeRollouts = new Map(rollouts.map((rollout) => [key(rollout.app, rollout.stage, rollout.service), rollout]));
  const previewsByStage = new Map(previews.map((preview) => [key(preview.app, preview.stage), preview]));
  const runsByStage = new Map<string, PipelineRunRecord>();
  // Newest first: the first run seen for a stage is its newest.
  for (const run of runs) if (run.stage !== null && !runsByStage.has(key(run.app, run.stage))) runsByStage.set(key(run.app, run.stage), run);

  const built = await Promise.all(stages.map(async (stage) => {
    const [instances, samples] = await Promise.all([
      store.listServiceInstances(stage.app, stage.name),
      store.queryMetrics({ app: stage.app, stage: stage.name, fromBucket: now - windowMs, toBucket: now }),
    ]);
    const cells: Record<string, OverviewCell> = {};
    for (const instance of [...instances].sort((a, b) => a.service.localeCompare(b.service))) {
      const id = key(stage.app, stage.name, instance.service);
      cells[instance.service] = {
        url: instance.url,
        deployedAt: instance.deployedAt,
        versions: liveVersions(routed.get(id)),
        health: serviceHealth(samples.filter((sample) => sample.service === instance.service)),
        rollout: rolloutSummary(activeRollouts.get(id)),
      };
    }
    const run = runsByStage.get(key(stage.app, stage.name));
    const entry: OverviewStage = {
      name: stage.name,
      profile: stage.profile,
      kind: stage.kind,
      approval: stage.approval,
      lastDeployAt: stage.lastDeployAt,
      cells,
      run: run ? { id: run.id, number: run.number, status: run.status, kind: run.kind } : null,
    };
    return { stage, entry };
  }));

  const apps = new Map<string, OverviewApp>();
  for (const { stage, entry } of built) {
    let app = apps.get(stage.app);
    if (!app) apps.set(stage.app, (app = { app: stage.app, services: [], stages: [], previews: [] }));
    if (stage.kind === 'preview') app.previews.push(previewEntry(entry, stage, previewsByStage.get(key(stage.app, stage.name))));
    else app.stages.push(entry);
  }
  for (const app of apps.values()) {
    app.services = [...new Set([...app.stages, ...app.previews].flatMap((stage) => Object.keys(stage.cells)))].sort();
    app.stages.sort(compareStages);
    app.previews.sort((a, b) => b.createdAt - a.createdAt || a.name.localeCompare(b.name));
  }
  return { generatedAt: now, windowSeconds: windowMs / 1000, apps: [...apps.values()].sort((a, b) => a.app.localeCompare(b.app)) };
}

/** A preview stage without its record (made by hand with kind preview) still shows, with what the stage knows. */
function previewEntry(entry: OverviewStage, stage: StageRecord, preview: PreviewRecord | undefined): OverviewPreview {
  return {
    ...entry,
    branch: preview?.branch ?? stage.name,
    pr: preview?.pr ?? null,
    createdAt: preview?.createdAt ?? stage.createdAt,
    lastActivityAt: preview?.lastActivityAt ?? stage.updatedAt,
    protected: preview?.protected ?? false,
  };
}

/** Delivery order, left to right: other stages by name, then staging, then prod (by name, else by profile). */
function compareStages(a: Pick<StageRecord, 'name' | 'profile'>, b: Pick<StageRecord, 'name' | 'profile'>): number {
  return stageRank(a) - stageRank(b) || a.name.localeCompare(b.name);
}

function stageRank(stage: Pick<StageRecord, 'name' | 'profile'>): number {
  const rank = (word: string) => (word === 'prod' ? 2 : word === 'staging' ? 1 : 0);
  return rank(stage.name) || rank(stage.profile);
}

function liveVersions(service: RoutedService | undefined): OverviewCell['versions'] {
  return (service?.functions ?? []).flatMap((fn) =>
    fn.targets.filter((target) => target.weight > 0).map((target) => ({ function: fn.name, versionId: target.version.id, number: target.version.number, weight: target.weight })));
}

function serviceHealth(samples: readonly MetricSample[]): ServiceHealth {
  const totals = emptyTotals();
  for (const sample of samples) addSample(totals, sample);
  const { invocations, errors, histogram } = totals;
  return { invocations, errors, errorRate: invocations === 0 ? null : errors / invocations, p99Ms: invocations === 0 ? null : percentileFromHistogram(histogram, 0.99) };
}

function rolloutSummary(record: RolloutRecord | undefined): OverviewCell['rollout'] {
  if (!record) return null;
  const state = record.state as unknown as RolloutState;
  return { id: record.id, weight: state.weight, strategy: state.plan.schedule.name, phase: state.phase, paused: state.paused };
}

function key(...parts: string[]): string {
  return JSON.stringify(parts);
}
