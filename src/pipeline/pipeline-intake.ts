// Turns git events (GitHub webhooks, the branch watcher, the sweeper) into pipeline runs: fetch the commit,
// read the app's pipeline settings, plan with the pure branch rules (run-plan.ts), supersede older runs of
// the same branch, and submit the new ones. Branch names stay data: they are matched and turned into stage
// names, never passed to a shell.

import { profileForStage, type LoadedApp } from '../manifest/index.js';
import type { PipelineRunRecord, RepositoryRecord } from '../store/index.js';
import { ensureMirror, fetchCommit } from './git/index.js';
import { mirrorDir, stagesBeingDestroyed, type PipelineContext } from './pipeline-context.js';
import { EMPTY_PIPELINE, loadAppAtCommit, pipelineConfigOf } from './pipeline-config.js';
import type { RunDriver } from './run-driver.js';
import { planRuns, type ApprovalRule, type PlanContext, type RunPlan } from './run-plan.js';
import { initialRunState } from './run-state.js';
import type { GitEvent } from './types.js';

const UNFINISHED = ['queued', 'running', 'awaiting_approval'] as const;

export class PipelineIntake {
  constructor(private readonly ctx: PipelineContext, private readonly runs: RunDriver) {}

  /** Plans and submits the runs of one event; returns them (none when the event concerns nothing). */
  async handle(event: GitEvent): Promise<PipelineRunRecord[]> {
    const { store } = this.ctx.engine;
    const repo = await store.getRepository(event.repoId);
    if (!repo) return [];
    const loaded = await this.appFor(repo, event);
    const config = loaded ? pipelineConfigOf(loaded.app) : EMPTY_PIPELINE;
    const previews = await store.listPreviews(repo.app);
    const existing = await store.listStages(repo.app);
    const reserved = new Set<string>([
      'dev',
      ...Object.values(config.branches).map((target) => target.stage),
      ...Object.keys(loaded?.app.stages ?? {}).filter((name) => name !== '*'),
      ...existing.filter((stage) => stage.kind !== 'preview').map((stage) => stage.name),
    ]);
    const context: PlanContext = {
      previewFor: (branch) => previews.find((p) => p.branch === branch && p.repoId === repo.id),
      takenStages: new Set(previews.map((p) => p.stage)),
      reservedStages: reserved,
      profileApproval: (stage) => (loaded ? approvalFor(loaded, stage) : { required: false, preventSelfReview: false }),
    };
    let plans = planRuns(config, event, context);
    if (!loaded && event.type !== 'branch_deleted' && !(event.type === 'pull_request' && event.action === 'closed')) {
      // The manifests at this commit do not parse: a checks run shows why, instead of silence.
      plans = event.type === 'push' || event.type === 'pull_request'
        ? [{ kind: 'checks', branch: event.branch, sha: event.sha, pr: event.type === 'pull_request' ? event.number : null, stage: null, fork: event.type === 'pull_request' && event.fork, steps: ['checkout', 'checks'], cancelOlder: true }]
        : [];
    }
    const created: PipelineRunRecord[] = [];
    for (const plan of plans) {
      // GitHub reports a deleted branch twice (push and delete events), and the sweeper may have seen it first.
      if (plan.kind === 'destroy' && (await stagesBeingDestroyed(this.ctx, repo.app)).has(`${repo.app}/${plan.stage}`)) continue;
      if (plan.cancelOlder) await this.supersede(repo.app, plan);
      created.push(await this.runs.submit({
        id: crypto.randomUUID(),
        app: repo.app,
        repoId: repo.id,
        kind: plan.kind,
        branch: plan.branch,
        sha: plan.sha,
        pr: plan.pr,
        stage: plan.stage,
        fork: plan.fork,
        trigger: triggerOf(event),
        state: {
          ...initialRunState(plan.steps, plan.approval),
          concurrency: config.concurrency,
          promoteFrom: plan.stage ? config.branches[plan.branch]?.promoteFrom ?? [] : [],
        },
      }));
    }
    return created;
  }

  /** Fetches what the event needs and reads the app at that commit; undefined when it does not parse. */
  private async appFor(repo: RepositoryRecord, event: GitEvent): Promise<LoadedApp | undefined> {
    const mirror = mirrorDir(this.ctx, repo.id);
    await this.ctx.mirrors.run(mirror, async () => {
      // Creates the mirror the first time, and brings its branches up to date either way.
      await ensureMirror(repo.url, mirror);
      if (event.type === 'pull_request' && event.fork && event.headCloneUrl && event.action !== 'closed') {
        await fetchCommit(mirror, event.headCloneUrl, event.sha);
      }
    });
    const ref = event.type === 'branch_deleted' || (event.type === 'pull_request' && (event.fork || event.action === 'closed'))
      ? event.type === 'pull_request' ? `refs/heads/${event.baseBranch}` : 'HEAD'
      : event.sha;
    try {
      return await loadAppAtCommit(mirror, ref, repo.appDir);
    } catch (error) {
      this.ctx.engine.log?.warn({ err: error, repo: repo.id, ref }, 'the app manifests at this commit do not load');
      return undefined;
    }
  }

  /** Cancels the unfinished runs of the same branch a newer push supersedes. */
  private async supersede(app: string, plan: RunPlan): Promise<void> {
    const older = await this.ctx.engine.store.listRuns({ app, branch: plan.branch, statuses: [...UNFINISHED] });
    for (const run of older) {
      if (run.kind === 'destroy') continue;
      await this.runs.command(run.id, { type: 'cancel', by: 'sluice', reason: `superseded by a newer push (${plan.sha?.slice(0, 7) ?? 'deleted'})` })
        .catch((error: unknown) => this.ctx.engine.log?.warn({ err: error, runId: run.id }, 'canceling a superseded run failed'));
    }
  }

}

function approvalFor(loaded: LoadedApp, stage: string): ApprovalRule {
  const profile = loaded.app.profiles[profileForStage(loaded.app, stage)];
  return { required: profile?.approval === 'required', preventSelfReview: profile?.preventSelfReview === true };
}

function triggerOf(event: GitEvent): Record<string, unknown> {
  const trigger: Record<string, unknown> = { source: event.source, event: event.type, actor: event.actor };
  if (event.deliveryId) trigger.deliveryId = event.deliveryId;
  if (event.type === 'pull_request') {
    trigger.action = event.action;
    if (event.headCloneUrl) trigger.headCloneUrl = event.headCloneUrl;
  }
  return trigger;
}
