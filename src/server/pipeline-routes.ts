// API routes of git-driven delivery: the GitHub webhook and the git notify hook (outside /api: they carry
// no token; the webhook is verified by its HMAC signature, the notify hook only makes Sluice look), the
// connected repositories, the pipeline runs with their logs and commands, and promotion of a stage's release.

import type { Hono } from 'hono';
import { z } from 'zod';
import { promoteStage, type EngineContext, type RolloutDriver } from '../engine/index.js';
import { SluiceError } from '../errors/index.js';
import { readLimitedBody, type Pipeline } from '../pipeline/index.js';
import { isFinishedRunStatus, type PipelineRunRecord, type RunStatus } from '../store/index.js';
import { actorOf } from './caller-identity.js';
import { errorResponse } from './error-response.js';
import { parseBody } from './request-body.js';

const RUN_STATUSES = ['queued', 'running', 'awaiting_approval', 'succeeded', 'failed', 'canceled', 'rejected'] as const;
/** The longest a log request waits for new lines (`sluice runs show --follow`). */
const MAX_LOG_WAIT_MS = 25_000;

const connectBody = z.object({
  app: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'an app name'),
  kind: z.enum(['git', 'github']),
  url: z.string().min(1).max(2000),
  appDir: z.string().max(500).regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$)).*$/, 'a folder inside the repository').optional(),
  githubRepo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'owner/name').nullable().optional(),
  pollIntervalMs: z.number().int().min(0).max(24 * 3600_000).optional(),
});

export function registerPipelineHooks(api: Hono, pipeline: Pipeline): void {
  api.post('/hooks/github', async (c) => {
    try {
      const body = await readLimitedBody(c.req.raw);
      const result = await pipeline.receiveGithubDelivery({
        event: c.req.header('x-github-event'),
        deliveryId: c.req.header('x-github-delivery'),
        signature: c.req.header('x-hub-signature-256'),
        body,
      });
      return c.json({ status: result.status, runs: result.runs.map(runSummary) }, result.status === 'accepted' ? 202 : 200);
    } catch (error) {
      return errorResponse(c, error);
    }
  });

  // A post-receive hook calls this after every push: the watcher looks at the branches now.
  api.post('/hooks/git/:repo', async (c) => {
    const known = await pipeline.notify(c.req.param('repo'));
    if (!known) return errorResponse(c, new SluiceError('NOT_FOUND', 'No connected repository with that id.', { hint: 'sluice connect list shows the notify URL of each repository.' }));
    return c.json({ ok: true });
  });
}

export function registerPipelineRoutes(api: Hono, pipeline: Pipeline, engine: EngineContext, rollouts: RolloutDriver): void {
  api.get('/api/repositories', async (c) => {
    const repositories = await engine.store.listRepositories(c.req.query('app') || undefined);
    return c.json({ repositories: repositories.map((r) => ({ ...publicRepository(r), ...pipeline.hookUrls(r) })) });
  });

  api.post('/api/repositories', async (c) => {
    const body = await parseBody(c, connectBody);
    const result = await pipeline.connect(body, actorOf(c));
    return c.json({ repository: publicRepository(result.repository), webhookSecret: result.webhookSecret, notifyUrl: result.notifyUrl, webhookUrl: result.webhookUrl });
  });

  api.delete('/api/repositories/:repo', async (c) => c.json({ repository: publicRepository(await pipeline.disconnect(c.req.param('repo'), actorOf(c))) }));

  api.get('/api/runs', async (c) => {
    const statuses = c.req.query('status')?.split(',').filter(Boolean);
    const bad = statuses?.find((s) => !(RUN_STATUSES as readonly string[]).includes(s));
    if (bad) throw new SluiceError('INVALID_ARGUMENT', `Unknown run status "${bad}".`, { hint: `Statuses: ${RUN_STATUSES.join(', ')}.` });
    const runs = await pipeline.listRuns({
      app: c.req.query('app') || undefined,
      branch: c.req.query('branch') || undefined,
      statuses: statuses as RunStatus[] | undefined,
      limit: Math.min(Number(c.req.query('limit') ?? 50) || 50, 500),
    });
    return c.json({ runs });
  });

  api.get('/api/runs/:run', async (c) => c.json({ run: await pipeline.getRun(c.req.param('run')) }));

  // Lines after `after`; with `wait` (ms), waits for new lines or a change of the run before answering empty.
  api.get('/api/runs/:run/logs', async (c) => {
    const run = await pipeline.getRun(c.req.param('run'));
    const after = Number(c.req.query('after') ?? 0) || 0;
    const wait = Math.min(Number(c.req.query('wait') ?? 0) || 0, MAX_LOG_WAIT_MS);
    let lines = await pipeline.logs(run.id, after);
    if (lines.length === 0 && wait > 0 && !isFinishedRunStatus(run.status)) {
      await pipeline.signals.waitForChange(run.id, wait, c.req.raw.signal);
      lines = await pipeline.logs(run.id, after);
    }
    return c.json({ lines, run: await pipeline.getRun(run.id) });
  });

  api.post('/api/runs/:run/cancel', async (c) => c.json({ run: await pipeline.cancel(c.req.param('run'), actorOf(c)) }));

  const decision = z.object({ comment: z.string().max(2000).optional() });
  for (const verb of ['approve', 'reject'] as const) {
    api.post(`/api/runs/:run/${verb}`, async (c) => {
      const body = await parseBody(c, decision);
      return c.json({ run: await pipeline.decide(c.req.param('run'), verb, actorOf(c), body.comment ?? null) });
    });
  }

  api.post('/api/apps/:app/stages/:stage/promote', async (c) => {
    const { app, stage } = c.req.param();
    const body = await parseBody(c, z.object({ from: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/), wait: z.boolean().default(false), strategy: z.string().max(500).optional() }));
    return c.json(await promoteStage(engine, rollouts, { app, from: body.from, to: stage, actor: actorOf(c), wait: body.wait, strategy: body.strategy }));
  });
}

function publicRepository<T extends { webhookSecret: string | null }>(repo: T): Omit<T, 'webhookSecret'> & { webhookSecretSet: boolean } {
  const { webhookSecret, ...rest } = repo;
  return { ...rest, webhookSecretSet: webhookSecret !== null };
}

function runSummary(run: PipelineRunRecord) {
  return { id: run.id, number: run.number, app: run.app, kind: run.kind, branch: run.branch, sha: run.sha, stage: run.stage, status: run.status };
}
