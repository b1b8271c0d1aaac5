// The pipeline as the control plane sees it: connected repositories with their watchers, the GitHub webhook
// intake, the runs (driver, commands, approvals) and the preview sweeper. The HTTP API calls only this.

import { randomBytes } from 'node:crypto';
import { SluiceError } from '../errors/index.js';
import { recordEvent, type Clock, type EngineContext, type RolloutDriver } from '../engine/index.js';
import type { NewRepository, PipelineRunRecord, RepositoryRecord, RunLogLine, RunQuery } from '../store/index.js';
import { BranchWatcher, normalizeRepositoryUrl, type BranchChange } from './git/index.js';
import { parseGithubDelivery, verifyGithubSignature, type GitHost } from './github/index.js';
import { KeyedLock } from './keyed-lock.js';
import type { PipelineContext } from './pipeline-context.js';
import { PipelineIntake } from './pipeline-intake.js';
import { PreviewSweeper } from './preview-sweeper.js';
import { RunDriver, type RunCommand } from './run-driver.js';
import { RunSignals } from './run-log-writer.js';
import type { RunState } from './types.js';

export interface PipelineOptions {
  engine: EngineContext;
  rollouts: RolloutDriver;
  /** `<home>/pipeline`. */
  dir: string;
  clock: Clock;
  apiUrl(): string;
  gitHost?: GitHost | null;
  controlToken?: string;
  holder?: string;
  leaseMs?: number;
  /** How often the sweeper looks for previews whose branch is gone or that idled past their ttl. Default 5 min. */
  sweepIntervalMs?: number;
}

export interface ConnectRequest {
  app: string;
  kind: 'git' | 'github';
  url: string;
  appDir?: string;
  githubRepo?: string | null;
  pollIntervalMs?: number;
}

export interface ConnectResult {
  repository: RepositoryRecord;
  /** Only when created now (GitHub): shown once, stored sealed. */
  webhookSecret: string | null;
  notifyUrl: string;
  webhookUrl: string;
}

export interface WebhookResult {
  status: 'accepted' | 'duplicate' | 'ignored';
  runs: PipelineRunRecord[];
}

const DEFAULT_SWEEP_MS = 5 * 60_000;

export class Pipeline {
  readonly ctx: PipelineContext;
  readonly runs: RunDriver;
  readonly intake: PipelineIntake;
  readonly sweeper: PreviewSweeper;
  readonly #watchers = new Map<string, BranchWatcher>();
  readonly #options: PipelineOptions;
  #cancelSweep: (() => void) | undefined;
  #stopped = false;

  constructor(options: PipelineOptions) {
    this.#options = options;
    this.ctx = {
      engine: options.engine,
      rollouts: options.rollouts,
      dir: options.dir,
      clock: options.clock,
      mirrors: new KeyedLock(),
      signals: new RunSignals(),
      gitHost: options.gitHost ?? null,
      apiUrl: options.apiUrl,
      controlToken: options.controlToken,
    };
    this.runs = new RunDriver(this.ctx, { holder: options.holder, leaseMs: options.leaseMs });
    this.intake = new PipelineIntake(this.ctx, this.runs);
    this.sweeper = new PreviewSweeper(this.ctx, this.runs);
  }

  get signals(): RunSignals {
    return this.ctx.signals;
  }

  /** Resumes runs, starts a watcher per repository (its first poll sees what changed while down), then sweeps. */
  async start(): Promise<void> {
    await this.runs.start();
    for (const repo of await this.ctx.engine.store.listRepositories()) this.#watch(repo);
    // First polls (a remote's branch list) run in the background: a slow remote never delays `sluice up`.
    for (const watcher of this.#watchers.values()) void watcher.start();
    this.#scheduleSweep(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelSweep?.();
    await Promise.all([...this.#watchers.values()].map((w) => w.stop()));
    this.#watchers.clear();
    await this.runs.stop();
  }

  /** Resolves when the watchers' polls, the sweep and the runs under way are done (tests). */
  async idle(): Promise<void> {
    await this.sweeper.idle();
    await this.runs.idle();
  }

  async connect(request: ConnectRequest, actor: string): Promise<ConnectResult> {
    const { store, secrets } = this.ctx.engine;
    const url = normalizeRepositoryUrl(request.url);
    const existing = (await store.listRepositories(request.app)).find((r) => r.url === url && r.kind === request.kind);
    let webhookSecret: string | null = null;
    let sealed = existing?.webhookSecret ?? null;
    if (request.kind === 'github' && sealed === null) {
      webhookSecret = randomBytes(24).toString('hex');
      sealed = secrets.encrypt(webhookSecret);
    }
    const repo: NewRepository = {
      id: existing?.id ?? `r${randomBytes(4).toString('hex')}`,
      app: request.app,
      kind: request.kind,
      url,
      appDir: request.appDir ?? '.',
      githubRepo: request.githubRepo ?? null,
      webhookSecret: sealed,
      pollIntervalMs: request.pollIntervalMs ?? (request.kind === 'git' ? 30_000 : 0),
    };
    const repository = await store.upsertRepository(repo);
    await this.#audit(existing ? 'repository.updated' : 'repository.connected', actor, repository, {});
    this.#watchers.get(repository.id)?.stop();
    this.#watch(repository);
    await this.#watchers.get(repository.id)!.start();
    return { repository, webhookSecret, ...this.hookUrls(repository) };
  }

  hookUrls(repo: Pick<RepositoryRecord, 'id'>): { notifyUrl: string; webhookUrl: string } {
    const base = this.ctx.apiUrl();
    return { notifyUrl: `${base}/hooks/git/${repo.id}`, webhookUrl: `${base}/hooks/github` };
  }

  async disconnect(id: string, actor: string): Promise<RepositoryRecord> {
    const { store } = this.ctx.engine;
    const repo = await store.getRepository(id);
    if (!repo) throw new SluiceError('NOT_FOUND', `No connected repository ${id}.`, { hint: 'sluice connect list shows the connected repositories.' });
    await this.#watchers.get(id)?.stop();
    this.#watchers.delete(id);
    await store.deleteRepository(id);
    await this.#audit('repository.disconnected', actor, repo, {});
    return repo;
  }

  /** The notify endpoint a post-receive hook calls: look at the branches now. */
  async notify(repoId: string): Promise<boolean> {
    const watcher = this.#watchers.get(repoId);
    if (!watcher) return false;
    await watcher.poke();
    return true;
  }

  /**
   * A GitHub delivery: the signature is checked against each GitHub repository's secret (constant time) before
   * anything of the body is parsed; a redelivered id makes no second run.
   */
  async receiveGithubDelivery(delivery: { event: string | undefined; deliveryId: string | undefined; signature: string | undefined; body: Buffer }): Promise<WebhookResult> {
    const { store, secrets } = this.ctx.engine;
    const repos = (await store.listRepositories()).filter((r) => r.kind === 'github' && r.webhookSecret);
    const repo = repos.find((r) => verifyGithubSignature(secrets.decrypt(r.webhookSecret!), delivery.body, delivery.signature));
    if (!repo) {
      throw new SluiceError('WEBHOOK_SIGNATURE_INVALID', 'The delivery is not signed with the secret of a connected repository.', {
        hint: 'Set the webhook secret `sluice connect github` printed, with content type application/json (signatures use X-Hub-Signature-256).',
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(delivery.body.toString('utf8'));
    } catch {
      throw new SluiceError('WEBHOOK_PAYLOAD_INVALID', 'The delivery body is not JSON.', { hint: 'Set the webhook content type to application/json.' });
    }
    const event = parseGithubDelivery({ event: delivery.event, deliveryId: delivery.deliveryId, body, repoId: repo.id });
    if (!event) return { status: 'ignored', runs: [] };
    if (!delivery.deliveryId) {
      throw new SluiceError('WEBHOOK_PAYLOAD_INVALID', 'The delivery has no X-GitHub-Delivery id.', { hint: 'GitHub always sends one; a proxy may have dropped it.' });
    }
    if (!(await store.recordWebhookDelivery(delivery.deliveryId, delivery.event ?? '', this.ctx.clock.now()))) return { status: 'duplicate', runs: [] };
    // The watcher's idea of the branches follows the webhooks, so it does not start the same runs again.
    await this.#rememberHead(event as BranchChange);
    return { status: 'accepted', runs: await this.intake.handle(event) };
  }

  async getRun(ref: string): Promise<PipelineRunRecord> {
    const run = await this.findRun(ref);
    if (!run) throw new SluiceError('NOT_FOUND', `No pipeline run ${ref}.`, { hint: 'sluice runs lists the runs; name one as APP#NUMBER, NUMBER inside the app folder, or its id.' });
    return run;
  }

  /** A run by id, or `app#number`. */
  async findRun(ref: string): Promise<PipelineRunRecord | undefined> {
    const { store } = this.ctx.engine;
    const numbered = /^(.+)#(\d+)$/.exec(ref);
    if (numbered) {
      const [, app, number] = numbered;
      const runs = await store.listRuns({ app });
      return runs.find((r) => r.number === Number(number));
    }
    return store.getRun(ref);
  }

  listRuns(query: RunQuery): Promise<PipelineRunRecord[]> {
    return this.ctx.engine.store.listRuns(query);
  }

  logs(runId: string, afterSeq = 0): Promise<RunLogLine[]> {
    return this.ctx.engine.store.listRunLogs(runId, { afterSeq, limit: 5000 });
  }

  async cancel(ref: string, actor: string): Promise<PipelineRunRecord> {
    const run = await this.getRun(ref);
    await this.runs.command(run.id, { type: 'cancel', by: actor, reason: `canceled by ${actor}` });
    return this.getRun(run.id);
  }

  /**
   * An approver's decision on a run awaiting approval. With `preventSelfReview`, the commit's author may not
   * approve it: the approver's name is compared with the author's name and email (and its local part).
   */
  async decide(ref: string, decision: 'approve' | 'reject', actor: string, comment: string | null): Promise<PipelineRunRecord> {
    const run = await this.getRun(ref);
    const state = run.state as unknown as RunState;
    if (decision === 'approve' && state.approval?.preventSelfReview && state.commit && isAuthor(actor, state.commit)) {
      throw new SluiceError('FORBIDDEN', `${actor} wrote commit ${run.sha?.slice(0, 7)} and may not approve it (preventSelfReview).`, {
        hint: 'Ask another approver to run sluice approve.',
      });
    }
    const command: RunCommand = decision === 'approve' ? { type: 'approve', by: actor, comment } : { type: 'reject', by: actor, comment };
    await this.runs.command(run.id, command);
    return this.getRun(run.id);
  }

  #watch(repo: RepositoryRecord): void {
    if (this.#stopped) return;
    const { store } = this.ctx.engine;
    const watcher = new BranchWatcher({
      repoId: repo.id,
      url: repo.url,
      // GitHub repositories are told by webhooks; polling them is opt-in.
      intervalMs: repo.pollIntervalMs,
      clock: this.ctx.clock,
      store: {
        load: async () => new Map((await store.listBranchHeads(repo.id)).map((h) => [h.branch, h.sha])),
        save: async (changes) => {
          for (const change of changes) await this.#rememberHead(change);
        },
      },
      onEvent: async (event) => {
        await this.intake.handle(event);
      },
      onError: (error) => this.ctx.engine.log?.warn({ err: error, repo: repo.id }, 'watching the repository failed; polling goes on'),
    });
    this.#watchers.set(repo.id, watcher);
  }

  async #rememberHead(change: BranchChange | { type: 'pull_request' }): Promise<void> {
    const { store } = this.ctx.engine;
    if (change.type === 'push') await store.setBranchHead(change.repoId, change.branch, change.sha, this.ctx.clock.now());
    else if (change.type === 'branch_deleted') await store.deleteBranchHead(change.repoId, change.branch);
  }

  #scheduleSweep(delayMs: number): void {
    if (this.#stopped) return;
    const clock = this.ctx.clock;
    this.#cancelSweep = clock.at(clock.now() + delayMs, () => {
      void this.sweeper.sweep()
        .catch((error: unknown) => this.ctx.engine.log?.warn({ err: error }, 'sweeping previews failed'))
        .finally(() => this.#scheduleSweep(this.#options.sweepIntervalMs ?? DEFAULT_SWEEP_MS));
    });
  }

  async #audit(type: string, actor: string, repo: RepositoryRecord, payload: Record<string, unknown>): Promise<void> {
    const { store, events } = this.ctx.engine;
    await recordEvent(store, events, { type, actor, app: repo.app, stage: null, service: null, payload: { repoId: repo.id, kind: repo.kind, url: repo.url, githubRepo: repo.githubRepo, ...payload } });
  }
}

function isAuthor(actor: string, commit: NonNullable<RunState['commit']>): boolean {
  const who = actor.trim().toLowerCase();
  const email = commit.authorEmail.trim().toLowerCase();
  return who === commit.author.trim().toLowerCase() || who === email || who === email.split('@')[0];
}
