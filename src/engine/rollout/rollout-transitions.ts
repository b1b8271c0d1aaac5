// The building blocks every rollout transition is made of: enter a step, ask for a hook, start a rollback,
// finish, and work out when the machine wants its next tick. Each works on a Transition (a copy of the
// state plus the actions decided so far); rollout-machine.ts chooses which blocks an event calls.
//
// Analysis cadence: while a step analyses, the machine reads metrics four times per period of its shortest
// alarm (every 250 ms for 1 s alarms), not once per period. The alarm windows slide with `now`
// (metric-windows.ts), so a datapoint is judged as soon as it holds `minInvocations` calls, and every
// failed call the machine waits for is a failed user request: at 200 req/s a 10% canary fails 20 req/s.
// Measured with `npm run bench -- blast-radius` (a release failing every call, 1 s alarm, minInvocations
// 5; medians (max) of 5–13 runs): once per period caught it at the first analysis, a full period after the
// shift: 17 failed requests (33), ~0.9 s. Four times per period: 10 (21) with the gateway's 250 ms metric
// flush, 10 (12) and ≤ ~0.5 s with its 100 ms flush (src/runtime/gateway-server.ts), caught at the 2nd
// or 3rd analysis. Passing still needs a successful analysis at or after the step's end, so only failing
// got faster. Not more often than every 250 ms: each analysis is a metrics read plus a persisted state,
// and more would mostly re-read the same flushed samples.
import { formatDuration } from '../../manifest/index.js';
import type { RolloutAction, RolloutPhase, RolloutState, Severity, StepResult } from './types.js';

export type HookName = 'preTraffic' | 'postTraffic' | 'confirmPromotion';

/** How often a rollback that the driver has not confirmed is asked for again. */
export const ROLLBACK_RETRY_MS = 5_000;

/** Sliding-window analyses per period of the shortest alarm (see the header). */
const ANALYSES_PER_PERIOD = 4;
/** The fastest analysis cadence, whatever the period (see the header). */
const MIN_ANALYSIS_INTERVAL_MS = 250;

export interface Transition {
  state: RolloutState;
  actions: RolloutAction[];
  now: number;
}

export function beginTransition(state: RolloutState, now: number): Transition {
  return { state: { ...state, updatedAt: now }, actions: [], now };
}

export function notify(t: Transition, kind: string, severity: Severity, message: string): void {
  t.actions.push({ type: 'emit', event: { kind, severity, message, weight: t.state.weight, phase: t.state.phase } });
}

export function isFinished(phase: RolloutPhase): boolean {
  return phase === 'succeeded' || phase === 'failed' || phase === 'aborted';
}

/** Which hook the rollout waits for, if any: the phase says which, the deadline says that it waits. */
export function pendingHook(state: RolloutState): HookName | undefined {
  if (state.hookDeadline === null) return undefined;
  if (state.phase === 'preTraffic') return 'preTraffic';
  if (state.phase === 'postTraffic') return 'postTraffic';
  return state.phase === 'shifting' ? 'confirmPromotion' : undefined;
}

export function hookLabel(hook: HookName): string {
  return hook === 'confirmPromotion' ? 'confirm-promotion' : `${hook} hook`;
}

/** Analysis runs while the new versions take part of the traffic and the next move depends on it. */
export function isAnalysing(state: RolloutState): boolean {
  return state.phase === 'shifting' && state.stepIndex >= 0 && state.weight > 0 && state.weight < 100 && state.hookDeadline === null && state.plan.alarms.length > 0;
}

/** How often a step analyses: a quarter of the shortest alarm period, at least 250 ms. */
export function analysisIntervalMs(state: RolloutState): number {
  return Math.max(MIN_ANALYSIS_INTERVAL_MS, Math.min(...state.plan.alarms.map((alarm) => alarm.periodMs)) / ANALYSES_PER_PERIOD);
}

/** How far back the alarms look: their longest window, plus the second still being filled. */
export function analysisLookbackMs(state: RolloutState): number {
  return Math.max(...state.plan.alarms.map((alarm) => alarm.periodMs * alarm.evaluationPeriods)) + 1000;
}

export function lastStepIndex(state: RolloutState): number {
  return state.plan.schedule.steps.length - 1;
}

/** "step 2 of 3". */
export function describeStep(state: RolloutState, index = state.stepIndex): string {
  return `step ${index + 1} of ${state.plan.schedule.steps.length}`;
}

export function collectMetrics(t: Transition): void {
  t.actions.push({ type: 'collectMetrics', from: t.now - analysisLookbackMs(t.state), to: t.now });
}

export function startHook(t: Transition, hook: HookName): void {
  const spec = t.state.plan.hooks[hook];
  const timeoutMs = spec?.timeoutMs ?? 60_000;
  t.state.hookDeadline = t.now + timeoutMs;
  t.actions.push({ type: 'runHook', hook, deadline: t.state.hookDeadline });
  notify(t, 'hook', 'info', `Running the ${hookLabel(hook)} (times out after ${formatDuration(timeoutMs)})`);
}

/** Moves to step `index`: apply its weight, then wait (analysing), or finish the shift at 100%. */
export function enterStep(t: Transition, index: number): void {
  const s = t.state;
  const step = s.plan.schedule.steps[index];
  s.phase = 'shifting';
  s.stepIndex = index;
  s.weight = step.weight;
  s.hookDeadline = null;
  t.actions.push({ type: 'setWeight', weight: step.weight });
  if (index >= lastStepIndex(s)) {
    s.nextStepAt = null;
    notify(t, 'step', 'info', `${capitalize(describeStep(s))}: ${step.weight}% of traffic on the new versions`);
    reachFullTraffic(t);
    return;
  }
  s.nextStepAt = t.now + step.waitMs;
  const watch = s.plan.alarms.length > 0 ? `, watching ${s.plan.alarms.length} alarm${s.plan.alarms.length === 1 ? '' : 's'}` : '';
  notify(t, 'step', 'info', `${capitalize(describeStep(s))}: ${step.weight}% of traffic on the new versions for ${formatDuration(step.waitMs)}${watch}`);
  if (step.waitMs <= 0) continueWhenDue(t);
}

/**
 * The step's wait is over (or a person resumed at its end): with alarms, look at fresh metrics first (the
 * decision comes with the `metrics` event); without, move on.
 */
export function continueWhenDue(t: Transition): void {
  const s = t.state;
  if (s.paused || s.hookDeadline !== null || s.nextStepAt === null || t.now < s.nextStepAt) return;
  if (isAnalysing(s)) collectMetrics(t);
  else requestAdvance(t);
}

/**
 * The step after the current one. Before any traffic, the first step, except without any old version (a
 * service's first deploy): there is nothing to shift from and no baseline, so all traffic goes at once.
 */
export function nextStepIndex(state: RolloutState): number {
  if (state.stepIndex >= 0) return state.stepIndex + 1;
  return state.functions.some((fn) => fn.from !== null) ? 0 : lastStepIndex(state);
}

/** Asks the confirm-promotion gate first when there is one; otherwise enters the next step now. */
export function requestAdvance(t: Transition): void {
  if (t.state.plan.hooks.confirmPromotion !== undefined) {
    startHook(t, 'confirmPromotion');
    return;
  }
  enterStep(t, nextStepIndex(t.state));
}

function reachFullTraffic(t: Transition): void {
  if (t.state.plan.hooks.postTraffic !== undefined) {
    t.state.phase = 'postTraffic';
    startHook(t, 'postTraffic');
    return;
  }
  succeed(t);
}

export function succeed(t: Transition): void {
  const s = t.state;
  s.phase = 'succeeded';
  s.hookDeadline = null;
  s.nextStepAt = null;
  s.finishedAt = t.now;
  notify(t, 'succeeded', 'info', `Rollout succeeded: 100% of traffic on the new versions (${s.plan.schedule.name})`);
  t.actions.push({ type: 'finish', status: 'succeeded', reason: null });
}

/** Puts all traffic back on the old versions; the rollout ends when the driver confirms with `rolledBack`. */
export function startRollback(t: Transition, reason: string, abortedBy: string | null = null): void {
  const s = t.state;
  s.phase = 'rollingBack';
  s.reason = reason;
  s.abortedBy = abortedBy;
  s.hookDeadline = null;
  s.nextStepAt = null;
  s.paused = false;
  s.pausedRemainingMs = null;
  t.actions.push({ type: 'rollback' });
  notify(t, 'rollback', 'critical', `Rolling back to the old versions: ${reason}`);
}

export function finishRollback(t: Transition): void {
  const s = t.state;
  const status = s.abortedBy !== null ? 'aborted' : 'failed';
  s.phase = status;
  s.weight = 0;
  s.finishedAt = t.now;
  notify(t, status, status === 'failed' ? 'critical' : 'warning', `Rollout ${status}: all traffic is back on the old versions (${s.reason ?? 'no reason recorded'})`);
  t.actions.push({ type: 'finish', status, reason: s.reason });
}

/** When the machine wants its next tick, given where it stands; null when it waits for nothing timed. */
export function nextWakeAt(state: RolloutState, now: number): number | null {
  if (isFinished(state.phase)) return null;
  if (state.phase === 'rollingBack') return now + ROLLBACK_RETRY_MS;
  if (state.hookDeadline !== null) return state.hookDeadline;
  const candidates: number[] = [];
  if (isAnalysing(state)) candidates.push(now + analysisIntervalMs(state));
  if (!state.paused && state.nextStepAt !== null && state.nextStepAt > now) candidates.push(state.nextStepAt);
  return candidates.length === 0 ? null : Math.min(...candidates);
}

/** Ends a transition: records the next wake-up in the state and, while active, repeats it as an action. */
export function completeTransition(t: Transition): StepResult {
  t.state.wakeAt = nextWakeAt(t.state, t.now);
  return { state: t.state, actions: withWake(t.state, t.actions) };
}

/** Leaves the state as it is (an event that means nothing now), saying so at debug level. */
export function ignoreEvent(state: RolloutState, now: number, why: string): StepResult {
  const t: Transition = { state, actions: [], now };
  notify(t, 'ignored', 'debug', why);
  return { state, actions: withWake(state, t.actions) };
}

function withWake(state: RolloutState, actions: RolloutAction[]): RolloutAction[] {
  // The driver keeps the wake-up of the latest result, so every result of an active rollout repeats it.
  return state.wakeAt !== null && !isFinished(state.phase) ? [...actions, { type: 'wakeAt', at: state.wakeAt }] : actions;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
