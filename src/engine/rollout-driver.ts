// The thin, impure half of rollouts: load a rollout, step the pure machine, persist the new state (compare-
// and-set on its revision, so every transition is durable before its effect), then perform the actions
// through ports: alias weights, hook invocations, metric reads, wake-ups, events. A restarted control plane
// calls resume(), which ticks every active rollout so it continues where it stood.

import { SluiceError } from '../errors/index.js';
import type { RolloutRecord, RolloutStatus } from '../store/index.js';
import type { Clock } from './clock.js';
import { recordEvent } from './event-bus.js';
import { applyRolloutWeight, restoreOldVersions } from './rollout-routing.js';
import { runRolloutHook } from './rollout-hooks.js';
import { notifyWebhooks } from './rollout-notifier.js';
import type { EngineContext } from './ports.js';
import { step } from './rollout/index.js';
import type { RolloutAction, RolloutEvent, RolloutState } from './rollout/types.js';

export interface RolloutDriverOptions {
  clock: Clock;
  /** Called when a rollout's machine could not be stepped (a bug or a store failure); defaults to console.error. */
  onError?: (error: unknown, rolloutId: string) => void;
}

export class RolloutDriver {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly wakeups = new Map<string, () => void>();
  private readonly settledWaiters = new Map<string, Array<() => void>>();
  private stopped = false;

  constructor(
    private readonly ctx: EngineContext,
    private readonly options: RolloutDriverOptions,
  ) {}

  /** Continues every active rollout (after a start or a crash). */
  async resume(): Promise<number> {
    const active = await this.ctx.store.listActiveRollouts();
    await Promise.all(active.map((rollout) => this.dispatch(rollout.id, { type: 'tick' })));
    return active.length;
  }

  /** Persists a new rollout and runs its first transitions; resolves once it waits for time, a hook or a person. */
  async begin(initial: RolloutState, firstActions: RolloutAction[]): Promise<RolloutRecord> {
    const record = await this.ctx.store.createRollout({
      id: initial.id,
      app: initial.app,
      stage: initial.stage,
      service: initial.service,
      deploymentId: initial.deploymentId,
      status: statusOf(initial),
      state: initial as unknown as Record<string, unknown>,
      wakeAt: null,
    });
    await this.enqueue(initial.id, () => this.perform(record, initial, firstActions));
    return (await this.ctx.store.getRollout(initial.id)) ?? record;
  }

  /** Feeds an event to a rollout (manual control, hook results, metrics, wake-ups), one at a time per rollout. */
  dispatch(id: string, event: RolloutEvent): Promise<void> {
    return this.enqueue(id, async () => {
      const record = await this.ctx.store.getRollout(id);
      if (!record || record.status !== 'active') return;
      const state = record.state as unknown as RolloutState;
      const result = step(state, event, this.options.clock.now());
      await this.perform(record, result.state, result.actions);
    });
  }

  /** Resolves when the rollout is no longer active (for `deploy --wait` and tests). */
  async settled(id: string): Promise<RolloutRecord> {
    const current = await this.ctx.store.getRollout(id);
    if (!current) throw new SluiceError('NOT_FOUND', `No rollout ${id}.`);
    if (current.status !== 'active') return current;
    await new Promise<void>((resolve) => this.settledWaiters.set(id, [...(this.settledWaiters.get(id) ?? []), resolve]));
    return (await this.ctx.store.getRollout(id))!;
  }

  stop(): void {
    this.stopped = true;
    for (const cancel of this.wakeups.values()) cancel();
    this.wakeups.clear();
  }

  private enqueue(id: string, work: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(id) ?? Promise.resolve();
    const next = previous.then(work, work).catch((error: unknown) => (this.options.onError ?? defaultOnError)(error, id));
    this.queues.set(id, next);
    void next.then(() => {
      if (this.queues.get(id) === next) this.queues.delete(id);
    });
    return next;
  }

  /** Saves the state (durable before any effect), then performs the actions in order. */
  private async perform(record: RolloutRecord, state: RolloutState, actions: RolloutAction[]): Promise<void> {
    const wake = actions.filter((a): a is Extract<RolloutAction, { type: 'wakeAt' }> => a.type === 'wakeAt').map((a) => a.at);
    const status = statusOf(state);
    // A finishing rollout stays `active` until its last effects (final weight or rollback, finish) are done,
    // so a crash in between leaves it for resume() to tick again; the machine repeats them idempotently.
    const saved = await this.ctx.store.saveRollout(record.id, record.revision, {
      status: 'active',
      state: state as unknown as Record<string, unknown>,
      wakeAt: wake.at(-1) ?? null,
    });
    if (!saved) {
      // Someone else moved this rollout on (another process, or a stale event): their state wins.
      return;
    }
    let current = saved;
    const followUps: RolloutEvent[] = [];
    for (const action of actions) {
      const event = await this.performAction(current, state, action);
      if (event) followUps.push(event);
    }
    if (status !== 'active') {
      await this.ctx.store.saveRollout(record.id, current.revision, { status, state: state as unknown as Record<string, unknown>, wakeAt: null });
      this.cancelWake(record.id);
      for (const resolve of this.settledWaiters.get(record.id) ?? []) resolve();
      this.settledWaiters.delete(record.id);
      return;
    }
    for (const event of followUps) {
      const latest = await this.ctx.store.getRollout(record.id);
      if (!latest || latest.status !== 'active') return;
      const result = step(latest.state as unknown as RolloutState, event, this.options.clock.now());
      current = latest;
      await this.perform(current, result.state, result.actions);
    }
  }

  /** Performs one action; returns an event to feed back when the action's outcome is known at once. */
  private async performAction(record: RolloutRecord, state: RolloutState, action: RolloutAction): Promise<RolloutEvent | undefined> {
    const { store } = this.ctx;
    switch (action.type) {
      case 'setWeight':
        await applyRolloutWeight(this.ctx, state, action.weight);
        return undefined;
      case 'rollback':
        await restoreOldVersions(this.ctx, state);
        return { type: 'rolledBack' };
      case 'collectMetrics': {
        const versionIds = state.functions.flatMap((f) => (f.from ? [f.from, f.to] : [f.to]));
        const samples = await store.queryMetrics({ app: state.app, stage: state.stage, service: state.service, fromBucket: Math.floor(action.from / 1000) * 1000, toBucket: action.to });
        return { type: 'metrics', samples: samples.filter((s) => versionIds.includes(s.versionId)) };
      }
      case 'runHook':
        // Hooks run in the background; their result comes back as an event. A lost result is caught by the deadline.
        void runRolloutHook(this.ctx, state, action.hook, action.deadline).then(
          (outcome) => this.dispatch(record.id, { type: 'hookResult', hook: action.hook, ...outcome }),
          (error: unknown) => this.dispatch(record.id, { type: 'hookResult', hook: action.hook, outcome: 'failed', reason: error instanceof Error ? error.message : String(error) }),
        );
        return undefined;
      case 'wakeAt':
        this.scheduleWake(record.id, action.at);
        return undefined;
      case 'emit':
        if (action.event.severity === 'debug') {
          // Analysis ticks are for live watchers only; the durable timeline keeps the decisions.
          this.ctx.events?.publish({ id: -1, ts: this.options.clock.now(), type: `rollout.${action.event.kind}`, actor: 'sluice', app: state.app, stage: state.stage, service: state.service, payload: { rolloutId: state.id, ...action.event } });
          return undefined;
        }
        {
          const recorded = await recordEvent(store, this.ctx.events, {
            type: `rollout.${action.event.kind}`,
            actor: 'sluice',
            app: state.app,
            stage: state.stage,
            service: state.service,
            payload: { rolloutId: state.id, deploymentId: state.deploymentId, ...action.event },
          });
          void notifyWebhooks(this.ctx, state, recorded, action.event.severity);
        }
        return undefined;
      case 'finish':
        await store.finishDeployment(state.deploymentId, {
          status: action.status,
          message: action.reason,
          changes: state.functions.map((f) => ({ function: f.function, from: f.from, to: f.to })),
        });
        return undefined;
    }
  }

  private scheduleWake(id: string, at: number): void {
    if (this.stopped) return;
    this.cancelWake(id);
    const cancel = this.options.clock.at(at, () => {
      this.wakeups.delete(id);
      void this.dispatch(id, { type: 'tick' });
    });
    this.wakeups.set(id, cancel);
  }

  private cancelWake(id: string): void {
    this.wakeups.get(id)?.();
    this.wakeups.delete(id);
  }
}

function statusOf(state: RolloutState): RolloutStatus {
  if (state.phase === 'succeeded') return 'succeeded';
  if (state.phase === 'failed') return 'failed';
  if (state.phase === 'aborted') return 'aborted';
  return 'active';
}

function defaultOnError(error: unknown, rolloutId: string): void {
  console.error(`rollout ${rolloutId}:`, error);
}
