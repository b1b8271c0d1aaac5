// The rollout as a pure state machine: `step(state, event, now) → { state, actions }`. It decides; the
// driver persists the state and performs the actions. A `tick` re-asserts whatever the current phase needs
// (weight, pending hook, rollback, finish), so stepping a persisted state after a crash resumes it.
import { formatDuration } from '../../manifest/index.js';
import { evaluateAlarms } from './alarm-evaluation.js';
import { abortRollout, pauseRollout, promoteRollout, resumeRollout } from './rollout-commands.js';
import {
  beginTransition,
  collectMetrics,
  completeTransition,
  continueWhenDue,
  describeStep,
  enterStep,
  finishRollback,
  hookLabel,
  ignoreEvent,
  isAnalysing,
  isFinished,
  nextStepIndex,
  notify,
  pendingHook,
  requestAdvance,
  startHook,
  startRollback,
  succeed,
  type HookName,
  type Transition,
} from './rollout-transitions.js';
import type { AlarmEvaluation, RolloutEvent, RolloutState, StepResult } from './types.js';

/** What a new rollout is about: the identity and plan parts of its state. */
export type RolloutInput = Pick<RolloutState, 'id' | 'app' | 'stage' | 'service' | 'deploymentId' | 'functions' | 'plan'>;

/** A new rollout, already started: the first actions (hook, first weight, or the whole AllAtOnce). */
export function createRollout(input: RolloutInput, now: number): StepResult {
  const state: RolloutState = {
    ...input,
    phase: 'shifting',
    stepIndex: -1,
    weight: 0,
    paused: false,
    nextStepAt: null,
    pausedRemainingMs: null,
    hookDeadline: null,
    startedAt: now,
    updatedAt: now,
    finishedAt: null,
    reason: null,
    abortedBy: null,
    wakeAt: null,
    lastAnalysis: [],
  };
  const t = beginTransition(state, now);
  const steps = input.plan.schedule.steps.map((s) => `${s.weight}%${s.waitMs > 0 ? ` for ${formatDuration(s.waitMs)}` : ''}`).join(', then ');
  notify(t, 'started', 'info', `Rollout started with ${input.plan.schedule.name}: ${steps}`);
  if (input.plan.hooks.preTraffic !== undefined) {
    // Published and reachable by the hook (pinned calls), but no weighted traffic yet.
    t.state.phase = 'preTraffic';
    t.actions.push({ type: 'setWeight', weight: 0 });
    startHook(t, 'preTraffic');
  } else {
    requestAdvance(t);
  }
  return completeTransition(t);
}

export function step(state: RolloutState, event: RolloutEvent, now: number): StepResult {
  switch (event.type) {
    case 'start':
      return ignoreEvent(state, now, 'The rollout has already started (createRollout starts it)');
    case 'tick':
      return onTick(state, now);
    case 'metrics':
      return onMetrics(state, event.samples, now);
    case 'hookResult':
      return onHookResult(state, event, now);
    case 'rolledBack':
      if (state.phase !== 'rollingBack') return ignoreEvent(state, now, `A rollback confirmation arrived while ${state.phase}; nothing to confirm`);
      return completeTransition(withTransition(state, now, finishRollback));
    case 'pause':
      return pauseRollout(state, event.actor, now);
    case 'resume':
      return resumeRollout(state, event.actor, now);
    case 'promote':
      return promoteRollout(state, event.full, event.actor, now);
    case 'abort':
      return abortRollout(state, event.actor, event.reason, now);
  }
}

function withTransition(state: RolloutState, now: number, change: (t: Transition) => void): Transition {
  const t = beginTransition(state, now);
  change(t);
  return t;
}

/** Time passed (a wake-up, or a restart): re-assert the phase's effects, then do what is due. */
function onTick(state: RolloutState, now: number): StepResult {
  const t = beginTransition(state, now);
  const s = t.state;
  if (isFinished(s.phase)) {
    // A crash may have come between saving the end and performing it: repeat the traffic and the outcome.
    t.actions.push(s.phase === 'succeeded' ? { type: 'setWeight', weight: 100 } : { type: 'rollback' });
    t.actions.push({ type: 'finish', status: s.phase as 'succeeded' | 'failed' | 'aborted', reason: s.reason });
    notify(t, 'finished', 'debug', `The rollout already ended ${s.phase}; repeating its outcome`);
    return completeTransition(t);
  }
  if (s.phase === 'rollingBack') {
    t.actions.push({ type: 'rollback' });
    notify(t, 'rollback', 'warning', `The rollback is not confirmed yet; asking for it again (${s.reason ?? 'no reason recorded'})`);
    return completeTransition(t);
  }
  continueOnTick(t);
  // Level-triggered, like a controller's reconcile loop: unless the tick moved the traffic, the current
  // weight is applied again, so a weight persisted just before a crash takes effect after it.
  if (!t.actions.some((action) => action.type === 'setWeight' || action.type === 'rollback')) t.actions.unshift({ type: 'setWeight', weight: state.weight });
  return completeTransition(t);
}

function continueOnTick(t: Transition): void {
  const s = t.state;
  const now = t.now;
  const hook = pendingHook(s);
  if (hook !== undefined && s.hookDeadline !== null) {
    if (now >= s.hookDeadline) {
      startRollback(t, hookTimeoutReason(s, hook));
    } else {
      // Before its deadline, a tick only comes after a restart, which lost the running hook: run it again
      // within what is left of its time. Hooks must therefore be safe to run twice, as CodeDeploy's are.
      t.actions.push({ type: 'runHook', hook, deadline: s.hookDeadline });
      notify(t, 'hook', 'warning', `Running the ${hookLabel(hook)} again: its result was not received (${formatDuration(s.hookDeadline - now)} left)`);
    }
    return;
  }
  if (isAnalysing(s)) {
    collectMetrics(t);
    notify(t, 'analysis', 'debug', `Collecting metrics at ${s.weight}% (${describeStep(s)})`);
    return;
  }
  const before = t.actions.length;
  continueWhenDue(t);
  if (t.actions.length === before) notify(t, 'waiting', 'debug', s.paused ? `Paused at ${s.weight}%` : `Waiting at ${s.weight}% (${describeStep(s)})`);
}

function hookTimeoutReason(state: RolloutState, hook: HookName): string {
  const timeoutMs = state.plan.hooks[hook]?.timeoutMs;
  return `${hookLabel(hook)} timed out after ${timeoutMs === undefined ? 'its deadline' : formatDuration(timeoutMs)}`;
}

/** Judges the new versions; a failed alarm rolls back at once, a passing analysis at the step's end advances. */
function onMetrics(state: RolloutState, samples: Parameters<typeof evaluateAlarms>[1], now: number): StepResult {
  if (!isAnalysing(state)) return ignoreEvent(state, now, `Metrics arrived while nothing is analysed (${state.phase}, ${state.weight}%)`);
  const t = beginTransition(state, now);
  const s = t.state;
  const previous = s.lastAnalysis;
  s.lastAnalysis = evaluateAlarms(s.plan.alarms, samples, {
    newVersionIds: s.functions.map((fn) => fn.to),
    baselineVersionIds: s.functions.flatMap((fn) => (fn.from === null ? [] : [fn.from])),
    now,
  });
  const failed = s.lastAnalysis.filter((evaluation) => evaluation.outcome === 'failed');
  if (failed.length > 0) {
    startRollback(t, failed.map((evaluation) => `alarm "${evaluation.alarm}" failed: ${evaluation.reason}`).join('; '));
    return completeTransition(t);
  }
  const allSuccessful = s.lastAnalysis.every((evaluation) => evaluation.outcome === 'successful');
  const due = !s.paused && s.nextStepAt !== null && now >= s.nextStepAt;
  if (due && allSuccessful) {
    notify(t, 'analysis', 'info', `Analysis passed at ${s.weight}%: ${summary(s.lastAnalysis)}`);
    requestAdvance(t);
    return completeTransition(t);
  }
  if (due) {
    // Warn once when the step is held; later analyses of the same hold are debug.
    const heldBefore = analysedAt(previous) !== null && (analysedAt(previous) as number) >= (s.nextStepAt as number) && !previous.every((e) => e.outcome === 'successful');
    const pending = s.lastAnalysis.filter((evaluation) => evaluation.outcome !== 'successful');
    notify(t, 'inconclusive', heldBefore ? 'debug' : 'warning', `Holding at ${s.weight}%: ${describeStep(s)} is due but the analysis does not pass yet (${summary(pending)}); analysing again`);
    return completeTransition(t);
  }
  notify(t, 'analysis', 'debug', `Analysis at ${s.weight}%: ${summary(s.lastAnalysis)}`);
  return completeTransition(t);
}

/** When an analysis was made: the end of its newest datapoint. */
function analysedAt(analysis: AlarmEvaluation[]): number | null {
  const ends = analysis.flatMap((evaluation) => evaluation.datapoints.map((datapoint) => datapoint.to));
  return ends.length === 0 ? null : Math.max(...ends);
}

function summary(analysis: AlarmEvaluation[]): string {
  return analysis.map((evaluation) => `${evaluation.alarm} ${evaluation.outcome}: ${evaluation.reason}`).join('; ');
}

function onHookResult(state: RolloutState, event: Extract<RolloutEvent, { type: 'hookResult' }>, now: number): StepResult {
  const hook = pendingHook(state);
  if (hook !== event.hook || state.hookDeadline === null) {
    return ignoreEvent(state, now, `A ${hookLabel(event.hook)} result arrived while ${hook === undefined ? 'no hook' : `the ${hookLabel(hook)}`} is awaited`);
  }
  const t = beginTransition(state, now);
  const s = t.state;
  if (now > state.hookDeadline) {
    startRollback(t, `${hookTimeoutReason(s, hook)} (its result came ${formatDuration(now - state.hookDeadline)} late)`);
    return completeTransition(t);
  }
  s.hookDeadline = null;
  if (event.outcome === 'failed') {
    startRollback(t, hookFailureReason(hook, event.reason));
    return completeTransition(t);
  }
  notify(t, 'hook', 'info', `The ${hookLabel(hook)} passed`);
  if (hook === 'postTraffic') succeed(t);
  else if (s.paused) holdAfterHook(t);
  else if (hook === 'preTraffic') requestAdvance(t);
  else enterStep(t, nextStepIndex(s));
  return completeTransition(t);
}

/** A hook passed while a person paused the rollout: stay at the current weight until resumed. */
function holdAfterHook(t: Transition): void {
  t.state.phase = 'shifting';
  t.state.nextStepAt = null;
  t.state.pausedRemainingMs = 0;
  notify(t, 'paused', 'warning', `Holding at ${t.state.weight}% because the rollout is paused; resume to continue`);
}

/** The driver may already have said which hook failed; the reason is not prefixed twice. */
function hookFailureReason(hook: HookName, reason: string | undefined): string {
  const label = hookLabel(hook);
  if (reason === undefined || reason.trim() === '') return `${label} failed: no reason given`;
  return reason.startsWith(label.split(' ')[0]) ? reason : `${label} failed: ${reason}`;
}
