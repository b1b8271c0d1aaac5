// What a person can do to a running rollout: pause, resume, promote (one step or all the way) and abort.
// Pausing holds the weight and the remaining wait but keeps the alarms watching: a failed alarm still rolls
// back while paused, because a pause means "do not move the traffic on", never "stop protecting users".
import { formatDuration } from '../../manifest/index.js';
import {
  beginTransition,
  completeTransition,
  continueWhenDue,
  describeStep,
  enterStep,
  hookLabel,
  ignoreEvent,
  isFinished,
  lastStepIndex,
  nextStepIndex,
  notify,
  pendingHook,
  startRollback,
} from './rollout-transitions.js';
import type { RolloutState, StepResult } from './types.js';

export function pauseRollout(state: RolloutState, actor: string, now: number): StepResult {
  if (state.paused) return ignoreEvent(state, now, `Pause by ${actor} ignored: the rollout is already paused`);
  if (state.phase !== 'shifting' && state.phase !== 'preTraffic') {
    return ignoreEvent(state, now, `Pause by ${actor} ignored: nothing to pause while ${state.phase}`);
  }
  const t = beginTransition(state, now);
  const s = t.state;
  s.paused = true;
  if (s.phase === 'preTraffic') {
    notify(t, 'paused', 'warning', `Paused by ${actor}: traffic stays at 0% after the preTraffic hook until resumed`);
    return completeTransition(t);
  }
  s.pausedRemainingMs = s.nextStepAt === null ? 0 : Math.max(0, s.nextStepAt - now);
  s.nextStepAt = null;
  const watching = s.plan.alarms.length > 0 && s.weight > 0 ? '; alarms are still watched and still roll back' : '';
  notify(t, 'paused', 'warning', `Paused by ${actor} at ${s.weight}% with ${formatDuration(s.pausedRemainingMs)} left in ${describeStep(s)}${watching}`);
  return completeTransition(t);
}

export function resumeRollout(state: RolloutState, actor: string, now: number): StepResult {
  if (!state.paused) return ignoreEvent(state, now, `Resume by ${actor} ignored: the rollout is not paused`);
  const t = beginTransition(state, now);
  const s = t.state;
  s.paused = false;
  if (s.phase === 'shifting') {
    s.nextStepAt = now + (s.pausedRemainingMs ?? 0);
    notify(t, 'resumed', 'info', `Resumed by ${actor} at ${s.weight}% with ${formatDuration(s.pausedRemainingMs ?? 0)} left in ${describeStep(s)}`);
    s.pausedRemainingMs = null;
    continueWhenDue(t);
  } else {
    notify(t, 'resumed', 'info', `Resumed by ${actor} while ${s.phase}`);
  }
  return completeTransition(t);
}

/**
 * A person moves the traffic on now: to the next step, or (`full`) to 100%. It skips the remaining wait,
 * the analysis and the confirm-promotion gate (a person decided), and ends a pause. Not while a traffic hook
 * runs: skipping the preTraffic hook would send users to versions nobody checked.
 */
export function promoteRollout(state: RolloutState, full: boolean, actor: string, now: number): StepResult {
  if (state.phase !== 'shifting') {
    const hook = pendingHook(state);
    const why = hook !== undefined ? `the ${hookLabel(hook)} is running; wait for it or abort` : `nothing to promote while ${state.phase}`;
    return ignoreEvent(state, now, `Promote by ${actor} ignored: ${why}`);
  }
  const t = beginTransition(state, now);
  const s = t.state;
  const target = full ? lastStepIndex(s) : nextStepIndex(s);
  s.paused = false;
  s.pausedRemainingMs = null;
  s.hookDeadline = null;
  notify(t, 'promoted', 'info', `Promoted by ${actor}${full ? ' to 100%' : ` to ${describeStep(s, target)}`}, skipping the remaining wait`);
  enterStep(t, target);
  return completeTransition(t);
}

export function abortRollout(state: RolloutState, actor: string, reason: string | undefined, now: number): StepResult {
  if (isFinished(state.phase) || state.phase === 'rollingBack') {
    return ignoreEvent(state, now, `Abort by ${actor} ignored: the rollout is already ${state.phase === 'rollingBack' ? 'rolling back' : state.phase}`);
  }
  const t = beginTransition(state, now);
  startRollback(t, `aborted by ${actor}${reason === undefined || reason.trim() === '' ? '' : `: ${reason.trim()}`}`, actor);
  return completeTransition(t);
}
