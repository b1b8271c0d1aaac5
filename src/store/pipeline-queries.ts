// Git-driven delivery's plain records: connected repositories and the branch heads their watcher last saw,
// webhook deliveries (deduplicated by id), previews, and releases (what a deploy shipped, found again by
// tree for a promotion or a revert). Runs and their logs are in run-queries.ts.

import type { Selectable } from 'kysely';
import type { BranchHeadRecord, NewRelease, NewRepository, PreviewRecord, ReleaseRecord, RepositoryRecord } from './pipeline-types.js';
import type { PreviewsTable, ReleasesTable, RepositoriesTable } from './schema.js';
import { type StoreContext, affected, inTransaction } from './store-context.js';

function toRepository(row: Selectable<RepositoriesTable>): RepositoryRecord {
  return {
    id: row.id,
    app: row.app,
    kind: row.kind as RepositoryRecord['kind'],
    url: row.url,
    appDir: row.app_dir,
    githubRepo: row.github_repo,
    webhookSecret: row.webhook_secret,
    pollIntervalMs: row.poll_interval_ms,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Creates or replaces the repository; createdAt stays the first one's. */
export async function upsertRepository(ctx: StoreContext, repo: NewRepository): Promise<RepositoryRecord> {
  const now = ctx.now();
  const changes = {
    app: repo.app,
    kind: repo.kind,
    url: repo.url,
    app_dir: repo.appDir,
    github_repo: repo.githubRepo,
    webhook_secret: repo.webhookSecret,
    poll_interval_ms: repo.pollIntervalMs,
    updated_at: now,
  };
  const row = await ctx.db.insertInto('repositories').values({ id: repo.id, created_at: now, ...changes })
    .onConflict((oc) => oc.column('id').doUpdateSet(changes))
    .returningAll().executeTakeFirstOrThrow();
  return toRepository(row);
}

export async function getRepository(ctx: StoreContext, id: string): Promise<RepositoryRecord | undefined> {
  const row = await ctx.db.selectFrom('repositories').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toRepository(row);
}

/** By app, then id. */
export async function listRepositories(ctx: StoreContext, app?: string): Promise<RepositoryRecord[]> {
  let query = ctx.db.selectFrom('repositories').selectAll();
  if (app !== undefined) query = query.where('app', '=', app);
  return (await query.orderBy('app').orderBy('id').execute()).map(toRepository);
}

/** Deletes the repository and its branch heads together; false when there was none. */
export function deleteRepository(ctx: StoreContext, id: string): Promise<boolean> {
  return inTransaction(ctx, async (tx) => {
    await tx.db.deleteFrom('branch_heads').where('repo_id', '=', id).execute();
    return affected(await tx.db.deleteFrom('repositories').where('id', '=', id).executeTakeFirst()) === 1;
  });
}

/** By branch name. */
export async function listBranchHeads(ctx: StoreContext, repoId: string): Promise<BranchHeadRecord[]> {
  const rows = await ctx.db.selectFrom('branch_heads').selectAll().where('repo_id', '=', repoId).orderBy('branch').execute();
  return rows.map((row) => ({ repoId: row.repo_id, branch: row.branch, sha: row.sha, updatedAt: row.updated_at }));
}

export async function setBranchHead(ctx: StoreContext, repoId: string, branch: string, sha: string, now: number): Promise<void> {
  await ctx.db.insertInto('branch_heads').values({ repo_id: repoId, branch, sha, updated_at: now })
    .onConflict((oc) => oc.columns(['repo_id', 'branch']).doUpdateSet({ sha, updated_at: now }))
    .execute();
}

export async function deleteBranchHead(ctx: StoreContext, repoId: string, branch: string): Promise<void> {
  await ctx.db.deleteFrom('branch_heads').where('repo_id', '=', repoId).where('branch', '=', branch).execute();
}

/**
 * `on conflict do nothing` and the count of inserted rows, rather than catching the primary-key violation:
 * the same on both databases, exactly one caller wins however many race, and a PostgreSQL transaction
 * around it is not aborted by a redelivery.
 */
export async function recordWebhookDelivery(ctx: StoreContext, id: string, event: string, receivedAt: number): Promise<boolean> {
  const result = await ctx.db.insertInto('webhook_deliveries').values({ id, event, received_at: receivedAt })
    .onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
  return affected(result) === 1;
}

function toPreview(row: Selectable<PreviewsTable>): PreviewRecord {
  return {
    app: row.app,
    stage: row.stage,
    repoId: row.repo_id,
    branch: row.branch,
    pr: row.pr,
    headSha: row.head_sha,
    lastActivityAt: row.last_activity_at,
    commentId: row.comment_id,
    protected: row.protected === 1,
    createdAt: row.created_at,
  };
}

/** Creates or replaces the preview; createdAt stays the first one's (`now` when new). */
export async function upsertPreview(ctx: StoreContext, preview: Omit<PreviewRecord, 'createdAt'>, now: number): Promise<void> {
  const changes = {
    repo_id: preview.repoId,
    branch: preview.branch,
    pr: preview.pr,
    head_sha: preview.headSha,
    last_activity_at: preview.lastActivityAt,
    comment_id: preview.commentId,
    protected: preview.protected ? 1 : 0,
  };
  await ctx.db.insertInto('previews').values({ app: preview.app, stage: preview.stage, created_at: now, ...changes })
    .onConflict((oc) => oc.columns(['app', 'stage']).doUpdateSet(changes))
    .execute();
}

export async function getPreview(ctx: StoreContext, app: string, stage: string): Promise<PreviewRecord | undefined> {
  const row = await ctx.db.selectFrom('previews').selectAll().where('app', '=', app).where('stage', '=', stage).executeTakeFirst();
  return row && toPreview(row);
}

/** By app, then stage. */
export async function listPreviews(ctx: StoreContext, app?: string): Promise<PreviewRecord[]> {
  let query = ctx.db.selectFrom('previews').selectAll();
  if (app !== undefined) query = query.where('app', '=', app);
  return (await query.orderBy('app').orderBy('stage').execute()).map(toPreview);
}

export async function deletePreview(ctx: StoreContext, app: string, stage: string): Promise<void> {
  await ctx.db.deleteFrom('previews').where('app', '=', app).where('stage', '=', stage).execute();
}

function toRelease(row: Selectable<ReleasesTable>): ReleaseRecord {
  return {
    id: row.id,
    app: row.app,
    stage: row.stage,
    commitSha: row.commit_sha,
    treeSha: row.tree_sha,
    sources: JSON.parse(row.sources) as Record<string, string>,
    functionCode: JSON.parse(row.function_code) as Record<string, string>,
    params: JSON.parse(row.params) as Record<string, string>,
    runId: row.run_id,
    createdAt: row.created_at,
  };
}

export async function createRelease(ctx: StoreContext, release: NewRelease, now: number): Promise<ReleaseRecord> {
  const row: Selectable<ReleasesTable> = {
    id: release.id,
    app: release.app,
    stage: release.stage,
    commit_sha: release.commitSha,
    tree_sha: release.treeSha,
    sources: JSON.stringify(release.sources),
    function_code: JSON.stringify(release.functionCode),
    params: JSON.stringify(release.params),
    run_id: release.runId,
    created_at: now,
  };
  await ctx.db.insertInto('releases').values(row).execute();
  return toRelease(row);
}

/** Newest first (createdAt, ties broken by id, both descending); default limit 100. */
export async function listReleases(ctx: StoreContext, query: { app: string; stage?: string; limit?: number }): Promise<ReleaseRecord[]> {
  let select = ctx.db.selectFrom('releases').selectAll().where('app', '=', query.app);
  if (query.stage !== undefined) select = select.where('stage', '=', query.stage);
  const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit ?? 100).execute();
  return rows.map(toRelease);
}

/** The newest release of any of the stages whose tree is treeSha; none for no stages. */
export async function findReleaseByTree(ctx: StoreContext, app: string, stages: string[], treeSha: string): Promise<ReleaseRecord | undefined> {
  if (stages.length === 0) return undefined;
  const row = await ctx.db.selectFrom('releases').selectAll()
    .where('app', '=', app).where('stage', 'in', stages).where('tree_sha', '=', treeSha)
    .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row && toRelease(row);
}

export async function deleteReleases(ctx: StoreContext, app: string, stage: string): Promise<void> {
  await ctx.db.deleteFrom('releases').where('app', '=', app).where('stage', '=', stage).execute();
}
