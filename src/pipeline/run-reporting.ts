// Tells the forge how a run stands: a commit status linking to the run, and for previews the one PR comment
// with the preview's links, updated in place. Reporting is best effort: a forge that is down never fails a run.

import type { PipelineRunRecord } from '../store/index.js';
import { previewCommentBody, previewCommentMarker } from './github/index.js';
import { KeyedLock } from './keyed-lock.js';
import type { PipelineContext } from './pipeline-context.js';
import type { RunState } from './types.js';

const STATE_OF = {
  queued: 'pending',
  running: 'pending',
  awaiting_approval: 'pending',
  succeeded: 'success',
  failed: 'failure',
  canceled: 'error',
  rejected: 'failure',
} as const;

/** Where a run is shown: its page on the dashboard (steps, logs, approval); the API has it at `/api/runs/:id`. */
export function runUrl(ctx: Pick<PipelineContext, 'apiUrl'>, run: Pick<PipelineRunRecord, 'id'>): string {
  return `${ctx.apiUrl()}/runs/${run.id}`;
}

/**
 * The reports of one stage (or of one run without a stage) go out one at a time, in the order they were made:
 * GitHub keeps the last status it received, so a `pending` overtaking `success` would stay; and two upserts
 * of a new preview comment at once would each create one.
 */
const reporting = new KeyedLock();

export function reportRun(ctx: PipelineContext, run: PipelineRunRecord): Promise<void> {
  return reporting.run(run.stage ? `${run.app}/${run.stage}` : run.id, () => report(ctx, run));
}

async function report(ctx: PipelineContext, run: PipelineRunRecord): Promise<void> {
  const host = ctx.gitHost;
  if (!host || !run.repoId || !run.sha) return;
  try {
    const repo = await ctx.engine.store.getRepository(run.repoId);
    if (!repo?.githubRepo) return;
    const state = run.state as unknown as RunState;
    await host.setCommitStatus({
      repo: repo.githubRepo,
      sha: run.sha,
      state: STATE_OF[run.status],
      // Per app: apps connected to the same repository keep a status line each.
      context: `sluice/${run.app}/${run.kind === 'preview' ? 'preview' : run.stage ?? run.kind}`,
      description: describe(run, state),
      targetUrl: runUrl(ctx, run),
    });
    if (run.kind === 'preview' && run.stage && run.pr !== null && (run.status === 'succeeded' || state.urls)) {
      const preview = await ctx.engine.store.getPreview(run.app, run.stage);
      if (!preview) return;
      const commentId = await host.upsertPullRequestComment({
        repo: repo.githubRepo,
        pr: run.pr,
        commentId: preview.commentId,
        marker: previewCommentMarker(run.app),
        body: previewCommentBody({
          app: run.app,
          branch: run.branch ?? run.stage,
          sha: run.sha,
          stage: run.stage,
          urls: state.urls ?? {},
          commitUrls: state.commitUrls ?? {},
          runUrl: runUrl(ctx, run),
          status: run.status,
        }),
      });
      if (commentId !== preview.commentId) await ctx.engine.store.upsertPreview({ ...preview, commentId }, ctx.clock.now());
    }
  } catch (error) {
    ctx.engine.log?.warn({ err: error, runId: run.id }, 'reporting a run to GitHub failed');
  }
}

function describe(run: PipelineRunRecord, state: RunState): string {
  const step = state.steps.find((s) => s.status === 'running' || s.status === 'failed');
  switch (run.status) {
    case 'queued': return 'Queued';
    case 'running': return step ? `Running ${step.name}` : 'Running';
    case 'awaiting_approval': return `Awaiting approval to deploy ${run.stage}`;
    case 'succeeded': return run.stage ? `Deployed to ${run.stage}` : 'Checks passed';
    case 'failed': return run.reason ?? 'Failed';
    case 'canceled': return run.reason ?? 'Canceled';
    case 'rejected': return run.reason ?? 'Rejected';
  }
}
