// The state of a pipeline run as pure functions: which step comes next, what a finished step does to the
// rest, and what status the run shows. The runner (run-driver.ts) persists each new state before acting.

import type { RunStatus } from '../store/index.js';
import type { RunState, RunStep, StepName, StepStatus } from './types.js';

const DONE: ReadonlySet<StepStatus> = new Set(['succeeded', 'failed', 'skipped', 'canceled']);

export function initialRunState(steps: StepName[], approval?: { required: boolean; preventSelfReview: boolean }): RunState {
  const state: RunState = { steps: steps.map((name) => ({ name, status: 'pending', startedAt: null, finishedAt: null, detail: null })) };
  if (approval && steps.includes('approval')) {
    state.approval = { ...approval, decision: null, by: null, at: null, comment: null };
  }
  return state;
}

/** The first step not finished yet (a `running` one was interrupted by a restart and runs again). */
export function nextStep(state: RunState): RunStep | undefined {
  return state.steps.find((step) => !DONE.has(step.status));
}

export function updateStep(state: RunState, name: StepName, patch: Partial<RunStep>): RunState {
  return { ...state, steps: state.steps.map((step) => (step.name === name ? { ...step, ...patch } : step)) };
}

/** Marks every unfinished step (the running one included) with `status`. */
export function closeSteps(state: RunState, status: 'skipped' | 'canceled', now: number): RunState {
  return {
    ...state,
    steps: state.steps.map((step) => {
      if (DONE.has(step.status)) return step;
      const started = step.status === 'running';
      return { ...step, status: started ? status : 'skipped', finishedAt: started ? now : step.finishedAt };
    }),
  };
}

/** The run's status while it has steps left: waiting for approval, or running. */
export function activeStatus(state: RunState): RunStatus {
  const step = nextStep(state);
  if (step?.name === 'approval' && state.approval?.decision === null) return 'awaiting_approval';
  return 'running';
}

/** How long a step took, for tables: `1.2s`, `3m 4s`. */
export function stepDuration(step: Pick<RunStep, 'startedAt' | 'finishedAt'>, now: number): string {
  if (step.startedAt === null) return '';
  const ms = (step.finishedAt ?? now) - step.startedAt;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  // Round once, then split: rounding the remainder alone turns 1m 59.6s into "1m 60s".
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
}
