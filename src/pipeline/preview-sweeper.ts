// Removes previews that events alone would leak: those whose branch is gone from the remote (deleted while
// the control plane was down, or a webhook that never arrived) and those idle longer than `previews.ttl`.
// Each is destroyed by a `destroy` run, like a branch deletion, so it shows in `sluice runs`.

import type { PreviewRecord, RepositoryRecord } from '../store/index.js';
import { listBranches } from './git/index.js';
import { mirrorDir, stagesBeingDestroyed, type PipelineContext } from './pipeline-context.js';
import { loadAppAtCommit, pipelineConfigOf } from './pipeline-config.js';
import type { RunDriver } from './run-driver.js';
import { initialRunState } from './run-state.js';

export interface SweepResult {
  /** Stages whose destroy run was submitted, with why. */
  removed: Array<{ app: string; stage: string; reason: 'branch-gone' | 'idle' }>;
}

export class PreviewSweeper {
  #running: Promise<SweepResult> | undefined;

  constructor(private readonly ctx: PipelineContext, private readonly runs: RunDriver) {}

  /** One sweep at a time; a call during a sweep shares it. */
  sweep(): Promise<SweepResult> {
    this.#running ??= this.#sweep().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async idle(): Promise<void> {
    await this.#running?.catch(() => undefined);
  }

  async #sweep(): Promise<SweepResult> {
    const { store } = this.ctx.engine;
    const removed: SweepResult['removed'] = [];
    // The destroys under way first, then the previews: a destroy that ends in between has deleted its preview
    // by then. The other order would destroy that preview a second time.
    const pendingDestroys = await stagesBeingDestroyed(this.ctx);
    const previews = await store.listPreviews();
    if (previews.length === 0) return { removed };
    const byRepo = new Map<string | null, PreviewRecord[]>();
    for (const preview of previews) byRepo.set(preview.repoId, [...(byRepo.get(preview.repoId) ?? []), preview]);
    const now = this.ctx.clock.now();
    for (const [repoId, group] of byRepo) {
      const repo = repoId ? await store.getRepository(repoId) : undefined;
      const branches = repo ? await listBranches(repo.url).catch(() => undefined) : undefined;
      const ttlMs = repo ? await this.#ttl(repo) : null;
      for (const preview of group) {
        if (pendingDestroys.has(`${preview.app}/${preview.stage}`)) continue;
        // A fork PR's preview (`pr:N`) has no branch here; only its PR closing or the ttl removes it.
        const gone = branches !== undefined && !preview.branch.startsWith('pr:') && !branches.has(preview.branch);
        const idle = ttlMs !== null && now - preview.lastActivityAt > ttlMs;
        if (!gone && !idle) continue;
        const reason = gone ? 'branch-gone' : 'idle';
        await this.runs.submit({
          id: crypto.randomUUID(),
          app: preview.app,
          repoId: preview.repoId,
          kind: 'destroy',
          branch: preview.branch,
          sha: null,
          pr: preview.pr,
          stage: preview.stage,
          fork: false,
          trigger: { source: 'sweeper', event: reason, actor: 'sluice' },
          state: { ...initialRunState(['destroy']) },
        });
        removed.push({ app: preview.app, stage: preview.stage, reason });
      }
    }
    return { removed };
  }

  /** `previews.ttl` of the app on the repository's default branch; null when unset or unreadable. */
  async #ttl(repo: RepositoryRecord): Promise<number | null> {
    try {
      const loaded = await loadAppAtCommit(mirrorDir(this.ctx, repo.id), 'HEAD', repo.appDir);
      return pipelineConfigOf(loaded.app).previews?.ttlMs ?? null;
    } catch {
      return null;
    }
  }
}
