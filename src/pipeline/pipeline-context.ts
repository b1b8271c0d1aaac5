// What the pipeline needs from the rest of the control plane, filled in by the composition.

import { join } from 'node:path';
import type { Clock, EngineContext, RolloutDriver } from '../engine/index.js';
import type { GitHost } from './github/index.js';
import type { KeyedLock } from './keyed-lock.js';
import type { RunSignals } from './run-log-writer.js';

export interface PipelineContext {
  engine: EngineContext;
  rollouts: RolloutDriver;
  /** The pipeline's folder under the home directory: repository mirrors and run checkouts. */
  dir: string;
  clock: Clock;
  /** Git work on one repository mirror, one at a time (fetches by events and by runs). */
  mirrors: KeyedLock;
  signals: RunSignals;
  /** Reports statuses and preview comments; null when no GitHub token is configured. */
  gitHost: GitHost | null;
  /** The control plane's base URL (run links, SLUICE_URL of trusted checks). */
  apiUrl(): string;
  /** The control plane's SLUICE_TOKEN, given to the checks of runs that are not from a fork. */
  controlToken?: string;
}

/**
 * The stages a destroy run is queued or running for, as `app/stage` keys (of one app, or of every app):
 * event intake and the preview sweeper submit no second destroy for them.
 */
export async function stagesBeingDestroyed(ctx: Pick<PipelineContext, 'engine'>, app?: string): Promise<Set<string>> {
  const runs = await ctx.engine.store.listRuns({ ...(app === undefined ? {} : { app }), statuses: ['queued', 'running'] });
  return new Set(runs.filter((run) => run.kind === 'destroy').map((run) => `${run.app}/${run.stage}`));
}

/** The bare mirror of a connected repository, shared by event intake, run checkouts and the sweeper. */
export function mirrorDir(ctx: Pick<PipelineContext, 'dir'>, repoId: string): string {
  return join(ctx.dir, 'repos', `${repoId}.git`);
}
