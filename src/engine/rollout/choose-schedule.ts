// Which traffic schedule a deployment uses: `--strategy` for this deploy, else the stage's strategy in
// sluice.app.yml, else the service's `deployment.strategy`, else AllAtOnce.
import { ALL_AT_ONCE, parseStrategy, type AppManifest, type ResolvedService } from '../../manifest/index.js';
import type { RolloutPlanSpec, Schedule } from './types.js';

export interface ScheduleChoices {
  /** `--strategy` (already parsed with parseStrategy). */
  deploy?: Schedule;
  stage?: Schedule;
  service?: Schedule;
}

export function chooseSchedule(choices: ScheduleChoices): Schedule {
  return choices.deploy ?? choices.stage ?? choices.service ?? ALL_AT_ONCE;
}

/** The strategy of the `stages:` entry that applies to the stage (its own, else `'*'`), as a schedule. */
export function stageSchedule(app: AppManifest, stage: string): Schedule | undefined {
  const entry = Object.hasOwn(app.stages, stage) ? app.stages[stage] : Object.hasOwn(app.stages, '*') ? app.stages['*'] : undefined;
  // Validated when sluice.app.yml was loaded, so this does not throw.
  return entry?.strategy === undefined ? undefined : parseStrategy(entry.strategy);
}

/** The service's rollout plan with the schedule this deployment must follow. */
export function rolloutPlanFor(input: { service: ResolvedService; app: AppManifest; stage: string; strategy?: Schedule }): RolloutPlanSpec {
  const schedule = chooseSchedule({ deploy: input.strategy, stage: stageSchedule(input.app, input.stage), service: input.service.rollout.schedule });
  return { ...input.service.rollout, schedule };
}
