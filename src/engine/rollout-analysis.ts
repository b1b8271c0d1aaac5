// What a person needs to judge a rollout: its schedule and where it stands, and per alarm the datapoints of
// every period since it started (the new versions against the old ones and the limit), as the rollout
// machine's own evaluation judges them (rollout/alarm-history.ts).

import { describeLimit } from '../manifest/index.js';
import { SluiceError } from '../errors/index.js';
import type { RolloutRecord, Store } from '../store/index.js';
import type { AlarmAnalysis, RolloutAnalysis, VersionRef } from './rollout-analysis-types.js';
import { alarmHistory, historyRange } from './rollout/index.js';
import type { RolloutState } from './rollout/types.js';

/** The service's active rollout, else its latest. */
export async function currentRollout(store: Store, app: string, stage: string, service: string): Promise<RolloutRecord> {
  const rollout = (await store.findActiveRollout(app, stage, service)) ?? (await store.listRollouts({ app, stage, service, limit: 1 }))[0];
  if (!rollout) throw new SluiceError('NOT_FOUND', `Service ${service} has no rollout in stage ${stage}.`, { hint: 'Rollouts start with `sluice deploy`.' });
  return rollout;
}

export async function rolloutAnalysis(store: Store, query: { app: string; stage: string; service: string; now: number }): Promise<RolloutAnalysis> {
  const record = await currentRollout(store, query.app, query.stage, query.service);
  const state = record.state as unknown as RolloutState;
  const to = Math.max(state.startedAt, Math.min(state.finishedAt ?? query.now, query.now));
  const alarms = state.plan.alarms;
  const historyQuery = {
    newVersionIds: state.functions.map((fn) => fn.to),
    baselineVersionIds: state.functions.flatMap((fn) => (fn.from === null ? [] : [fn.from])),
    from: state.startedAt,
    to,
  };
  // A sample counts in the period where its second ends: the second before the first period belongs to it.
  const firstStart = Math.min(...alarms.map((alarm) => historyRange(alarm, historyQuery).start));
  const [samples, functions] = await Promise.all([
    alarms.length === 0 ? [] : store.queryMetrics({ app: record.app, stage: record.stage, service: record.service, fromBucket: firstStart - 1000, toBucket: to }),
    describeFunctions(store, state),
  ]);
  return {
    rollout: {
      id: record.id,
      status: record.status,
      phase: state.phase,
      weight: state.weight,
      paused: state.paused,
      strategy: state.plan.schedule.name,
      steps: state.plan.schedule.steps.map((step) => ({ weight: step.weight, waitMs: step.waitMs })),
      stepIndex: state.stepIndex,
      nextStepAt: state.nextStepAt,
      startedAt: state.startedAt,
      finishedAt: state.finishedAt,
      reason: state.reason,
      functions,
    },
    alarms: alarms.map((alarm): AlarmAnalysis => {
      const history = alarmHistory(alarm, samples, historyQuery);
      const last = state.lastAnalysis.find((evaluation) => evaluation.alarm === alarm.name);
      return {
        name: alarm.name,
        metric: alarm.metric,
        comparison: alarm.comparison,
        threshold: alarm.relative === undefined ? alarm.threshold : null,
        relative: alarm.relative === undefined ? null : describeLimit(alarm),
        periodMs: alarm.periodMs,
        evaluationPeriods: alarm.evaluationPeriods,
        datapointsToAlarm: alarm.datapointsToAlarm,
        minInvocations: alarm.minInvocations,
        last: last ? { outcome: last.outcome, reason: last.reason } : null,
        problem: history.problem,
        datapoints: history.datapoints,
      };
    }),
  };
}

async function describeFunctions(store: Store, state: RolloutState): Promise<RolloutAnalysis['rollout']['functions']> {
  const ids = [...new Set(state.functions.flatMap((fn) => (fn.from === null ? [fn.to] : [fn.from, fn.to])))];
  const versions = new Map((await Promise.all(ids.map((id) => store.getVersion(id)))).flatMap((version) => (version ? [[version.id, version.number] as const] : [])));
  const ref = (versionId: string): VersionRef => ({ versionId, number: versions.get(versionId) ?? 0 });
  return state.functions.map((fn) => ({ function: fn.function, from: fn.from === null ? null : ref(fn.from), to: ref(fn.to) }));
}
