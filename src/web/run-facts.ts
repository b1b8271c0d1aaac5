// Small facts about pipeline runs that both run pages read the same way: the step that matters now, how long
// it took, what kind of run it is in words.

import type { Run, RunStep } from './api-types.js';
import { isFinishedRunStatus } from './api-types.js';

export function isFinished(run: Run): boolean {
  return isFinishedRunStatus(run.status);
}

/** The running step, else the one that failed, else the last one that ran. */
export function currentStep(run: Run): RunStep | undefined {
  const steps = run.state.steps ?? [];
  return (
    steps.find((s) => s.status === 'running') ??
    steps.find((s) => s.status === 'failed') ??
    (run.status === 'awaiting_approval' ? steps.find((s) => s.name === 'approval') : undefined) ??
    [...steps].reverse().find((s) => s.status !== 'pending' && s.status !== 'skipped') ??
    steps[0]
  );
}

export function runDurationMs(run: Run, now: number): number {
  return (run.finishedAt ?? now) - run.createdAt;
}

export function stepDurationMs(step: RunStep, now: number): number | null {
  if (step.startedAt === null) return null;
  return (step.finishedAt ?? now) - step.startedAt;
}

const KIND_WORDS: Record<Run['kind'], string> = {
  preview: 'Preview',
  branch: 'Branch deploy',
  destroy: 'Destroy preview',
  checks: 'Checks',
  promote: 'Promotion',
};

export function kindWord(kind: Run['kind']): string {
  return KIND_WORDS[kind] ?? kind;
}

const STEP_WORDS: Record<string, string> = {
  checkout: 'Checkout',
  checks: 'Checks',
  deploy: 'Deploy',
  integration: 'Integration tests',
  approval: 'Approval',
  promote: 'Promote',
  destroy: 'Destroy',
};

export function stepWord(name: string): string {
  return STEP_WORDS[name] ?? name;
}
