// A tiny stand-in for the rollout driver, for tests: performs the machine's actions against a model of user
// traffic (requests per second, the new versions' error rate and latency), with time as a plain number.
// It never sleeps: it jumps to the next wake-up or scripted event, like a fake clock.
import type { MetricSample } from '../../../store/types.js';
import { createRollout, step, type RolloutInput } from '../rollout-machine.js';
import type { RolloutAction, RolloutEvent, RolloutNotice, RolloutState, StepResult } from '../types.js';
import { sample } from './metric-samples.js';

export interface TrafficModel {
  requestsPerSecond: number;
  /** Fraction of the new versions' calls that fail. */
  newErrorRate: number;
  newDurationMs?: number;
  oldDurationMs?: number;
}

type HookAnswer = { outcome: 'succeeded' | 'failed'; reason?: string; afterMs: number } | 'never';

export interface SimulationScript {
  traffic: TrafficModel;
  /** How each hook answers (default: succeeds after 100 ms). */
  hooks?: Partial<Record<'preTraffic' | 'postTraffic' | 'confirmPromotion', HookAnswer>>;
  /** Events a person sends at given times. */
  commands?: Array<{ at: number; event: RolloutEvent }>;
}

export class RolloutSimulation {
  state!: RolloutState;
  now: number;
  readonly weights: Array<{ at: number; weight: number }> = [];
  readonly notices: Array<RolloutNotice & { at: number }> = [];
  readonly actions: Array<RolloutAction & { at: number }> = [];
  private readonly queue: Array<{ at: number; event: RolloutEvent }> = [];

  constructor(
    input: RolloutInput,
    start: number,
    private readonly script: SimulationScript,
  ) {
    this.now = start;
    this.queue.push(...(script.commands ?? []));
    this.perform(createRollout(input, start));
  }

  get finished(): boolean {
    return ['succeeded', 'failed', 'aborted'].includes(this.state.phase);
  }

  /** Runs until the rollout ends or `limitMs` after the start has passed. */
  runUntilDone(limitMs = 24 * 3_600_000): this {
    const limit = this.now + limitMs;
    while (!this.finished) {
      this.queue.sort((a, b) => a.at - b.at);
      const wake = this.state.wakeAt ?? Infinity;
      const queued = this.queue[0]?.at ?? Infinity;
      const next = Math.min(wake, queued);
      if (next > limit) break;
      this.now = Math.max(this.now, next);
      const event = queued <= wake ? (this.queue.shift() as { event: RolloutEvent }).event : { type: 'tick' as const };
      this.perform(step(this.state, event, this.now));
    }
    return this;
  }

  /**
   * Kill -9 of the control plane at `crashAt`, restart at `restartAt`: in-flight hook results are lost, the
   * gateway keeps the last weights, and the restarted driver ticks the persisted state.
   */
  crashAndRestart(crashAt: number, restartAt: number): this {
    this.runUntil(crashAt);
    const commands = this.script.commands ?? [];
    this.queue.splice(0, this.queue.length, ...this.queue.filter((entry) => commands.some((command) => command.event === entry.event)));
    this.now = restartAt;
    const persisted = JSON.parse(JSON.stringify(this.state)) as RolloutState;
    this.perform(step(persisted, { type: 'tick' }, restartAt));
    return this;
  }

  private runUntil(at: number): void {
    const limit = at - this.now;
    this.runUntilDone(limit);
  }

  /** Weight of the new versions at a time, from the weights applied so far. */
  weightAt(at: number): number {
    let weight = 0;
    for (const change of this.weights) if (change.at <= at) weight = change.weight;
    return weight;
  }

  /** Requests the new versions failed between the start and `until`, from the traffic model. */
  failedRequests(from: number, until = this.now): number {
    let failed = 0;
    for (let at = from; at < until; at += 10) failed += (this.script.traffic.requestsPerSecond / 100) * (this.weightAt(at) / 100) * this.script.traffic.newErrorRate;
    return Math.round(failed);
  }

  private perform(result: StepResult): void {
    this.state = result.state;
    const followUps: RolloutEvent[] = [];
    for (const action of result.actions) {
      this.actions.push({ ...action, at: this.now });
      if (action.type === 'setWeight') this.weights.push({ at: this.now, weight: action.weight });
      if (action.type === 'emit') this.notices.push({ ...action.event, at: this.now });
      if (action.type === 'rollback') {
        this.weights.push({ at: this.now, weight: 0 });
        followUps.push({ type: 'rolledBack' });
      }
      if (action.type === 'collectMetrics') followUps.push({ type: 'metrics', samples: this.samplesBetween(action.from, action.to) });
      if (action.type === 'runHook') {
        const answer = this.script.hooks?.[action.hook] ?? { outcome: 'succeeded', afterMs: 100 };
        if (answer !== 'never') this.queue.push({ at: this.now + answer.afterMs, event: { type: 'hookResult', hook: action.hook, outcome: answer.outcome, reason: answer.reason } });
      }
    }
    for (const event of followUps) this.perform(step(this.state, event, this.now));
  }

  /** What the gateway would have recorded: one sample per version and second, the current second partial. */
  private samplesBetween(from: number, to: number): MetricSample[] {
    const { traffic } = this.script;
    const samples: MetricSample[] = [];
    for (let bucket = Math.floor(from / 1000) * 1000; bucket <= to; bucket += 1000) {
      let calls = 0;
      let newCalls = 0;
      for (let at = bucket; at < Math.min(bucket + 1000, to); at += 10) {
        calls += traffic.requestsPerSecond / 100;
        newCalls += ((traffic.requestsPerSecond / 100) * this.weightAt(at)) / 100;
      }
      const invocations = Math.round(newCalls);
      const old = Math.round(calls) - invocations;
      if (invocations > 0) samples.push(sample('v2', bucket, { invocations, errors: Math.round(invocations * traffic.newErrorRate), durationMs: traffic.newDurationMs ?? 20 }));
      if (old > 0) samples.push(sample('v1', bucket, { invocations: old, durationMs: traffic.oldDurationMs ?? 20 }));
    }
    return samples;
  }
}
