// Runs pipeline runs to their end, one step at a time, persisting the run's state before and after every
// step. Runs are leased like rollouts (engine/lease-loop.ts): with several control-plane processes on one
// PostgreSQL each run is driven by one process, and a dead process's runs are taken over and resumed (the
// step that was under way runs again; every step is safe to repeat). Commands from people (cancel, approve,
// reject) go through the run's inbox and are applied by whichever process holds it.
// A concurrency limit per app holds the runs beyond it in the queue; destroying a preview takes no slot.

import { randomUUID } from 'node:crypto';
import { SluiceError } from '../errors/index.js';
import { DEFAULT_LEASE_MS, LeaseLoop, recordEvent, type LeasedWorkStore } from '../engine/index.js';
import { isFinishedRunStatus, type LeaseRef, type NewRun, type PipelineRunRecord, type RunClaim, type RunStatus, type Store } from '../store/index.js';
import { DEFAULT_PIPELINE_CONCURRENCY } from '../manifest/pipeline-schema.js';
import { KeyedLock } from './keyed-lock.js';
import type { PipelineContext } from './pipeline-context.js';
import { RunLogWriter } from './run-log-writer.js';
import { reportRun } from './run-reporting.js';
import { activeStatus, closeSteps, nextStep, updateStep } from './run-state.js';
import { RunSteps, StepFailure, type StepOutcome } from './run-steps.js';
import type { RunState } from './types.js';


export type RunCommand =
  | { type: 'cancel'; by: string; reason: string }
  | { type: 'approve'; by: string; comment: string | null }
  | { type: 'reject'; by: string; comment: string | null };

export interface RunDriverOptions {
  holder?: string;
  leaseMs?: number;
}


export class RunDriver {
  readonly steps: RunSteps;
  readonly #leases: LeaseLoop<RunClaim>;
  /** Runs this process is executing now, with the switch that stops their current step. */
  readonly #executing = new Map<string, { abort: AbortController; done: Promise<void> }>();
  /** Held runs waiting in the queue for a slot. */
  readonly #queued = new Set<string>();
  #unlisten: (() => Promise<void>) | undefined;
  /** One start at a time in this process, so two runs of the same pass do not both see the last slot free. */
  readonly #starting = new KeyedLock();
  #stopped = false;

  constructor(private readonly ctx: PipelineContext, options: RunDriverOptions = {}) {
    this.steps = new RunSteps(ctx);
    this.#leases = new LeaseLoop<RunClaim>(
      {
        store: runWork(ctx.engine.store),
        clock: ctx.clock,
        holder: options.holder ?? `sluice-${randomUUID()}`,
        leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
        onTakeover: (claim) => void this.#takeover(claim),
        onError: (error) => ctx.engine.log?.warn({ err: error }, 'claiming pipeline runs failed; retrying every pass'),
      },
      {
        adopted: (claim) => this.#drive(claim.run.id),
        lost: (id) => this.#executing.get(id)?.abort.abort(),
        due: (id) => this.#drive(id),
        inbox: (id) => void this.#onInbox(id),
        afterPass: async () => this.#retryQueued(),
      },
    );
  }

  get holder(): string {
    return this.#leases.holder;
  }

  /** Starts the claim loop: this process's earlier runs, orphaned runs and queued ones are picked up. */
  async start(): Promise<number> {
    // The loop first, then the notifications: one heard before the loop started (another process released a
    // run) would begin a pass beside the first one, and two passes claim a run twice. The second claim fences
    // the execution the first one began, which then stops mid-step with nobody left to drive the run.
    const claimed = await this.#leases.start();
    this.#unlisten ??= await this.ctx.engine.store.onNotification('work', () => this.#leases.wake());
    return claimed;
  }

  /** Stops taking work, stops the steps under way (they run again wherever the run is picked up next). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#unlisten?.();
    for (const { abort } of this.#executing.values()) abort.abort();
    await Promise.all([...this.#executing.values()].map((e) => e.done));
    await this.#leases.stop();
  }

  /** Resolves when no run is being executed here and no pass is under way (tests). */
  async idle(): Promise<void> {
    await this.#leases.idle();
    while (this.#executing.size > 0) await Promise.all([...this.#executing.values()].map((e) => e.done));
  }

  /** Creates a run, due at once, and wakes the loop to claim it. */
  async submit(run: NewRun): Promise<PipelineRunRecord> {
    const record = await this.ctx.engine.store.createRun({ ...run, status: 'queued', wakeAt: this.ctx.clock.now() }, this.ctx.clock.now());
    this.ctx.signals.emit('run', record.id);
    this.#leases.wake();
    return record;
  }

  /** Leaves a command for the run; it is applied by the process driving the run (this one when free). */
  async command(id: string, command: RunCommand): Promise<void> {
    const { store } = this.ctx.engine;
    const run = await store.getRun(id);
    if (!run) throw new SluiceError('NOT_FOUND', `No pipeline run ${id}.`, { hint: 'sluice runs lists the runs.' });
    if (isFinishedRunStatus(run.status)) {
      throw new SluiceError('CONFLICT', `Run #${run.number} already ${run.status}.`, { hint: 'Only runs that have not finished can be canceled, approved or rejected.' });
    }
    if ((command.type === 'approve' || command.type === 'reject') && run.status !== 'awaiting_approval') {
      throw new SluiceError('CONFLICT', `Run #${run.number} is ${run.status.replace('_', ' ')}, not awaiting approval.`, { hint: 'Approve a run once `sluice runs` shows it awaiting approval.' });
    }
    await store.postRunEvent(id, command as unknown as Record<string, unknown>);
    // Free or expired: take it and apply the command here; held by a live process: it hears of the inbox.
    if (!this.#leases.lease(id)) await this.#leases.claim(id);
    await this.#onInbox(id);
    this.#leases.wake();
  }

  #drive(id: string): void {
    if (this.#stopped || this.#executing.has(id)) return;
    this.#queued.delete(id);
    const abort = new AbortController();
    const done = this.#execute(id, abort)
      .catch((error: unknown) => this.ctx.engine.log?.error({ err: error, runId: id }, 'pipeline run failed unexpectedly'))
      .finally(() => {
        if (this.#executing.get(id)?.done === done) this.#executing.delete(id);
        // A run that went back to the queue freed no slot. Retrying the queue now would spin: with SQLite every
        // store call resolves at once, so the retries never yield to I/O and the whole process hangs.
        if (!this.#queued.has(id)) this.#retryQueued();
      });
    this.#executing.set(id, { abort, done });
  }

  async #onInbox(id: string): Promise<void> {
    const inbox = await this.ctx.engine.store.listRunInbox(id);
    if (inbox.length === 0) return;
    const executing = this.#executing.get(id);
    // A cancel stops the step under way; the run's loop then applies the inbox.
    if (executing && inbox.some((entry) => entry.payload.type === 'cancel')) executing.abort.abort();
    if (!executing) this.#drive(id);
  }

  #retryQueued(): void {
    for (const id of [...this.#queued]) {
      this.#queued.delete(id);
      this.#drive(id);
    }
  }

  async #execute(id: string, abort: AbortController): Promise<void> {
    const { store } = this.ctx.engine;
    let opened: RunLogWriter | undefined;
    // Opened once something is written: a run that waits in the queue is looked at again and again, and
    // opening reads and decrypts the store's secrets (to mask them).
    // The clock's method is called bound: `now` of a class-based Clock (FakeClock) reads its own fields.
    const openLog = async () =>
      (opened ??= await RunLogWriter.open(store, this.ctx.engine.secrets, this.ctx.signals, id, () => this.ctx.clock.now(), (error) =>
        this.ctx.engine.log?.warn({ err: error, runId: id }, 'storing run log lines failed; those lines are lost')));
    try {
      for (;;) {
        const lease = this.#leases.lease(id);
        if (!lease || this.#stopped) return;
        let run = await store.getRun(id);
        if (!run) return;
        if (isFinishedRunStatus(run.status)) {
          this.#leases.drop(id);
          return;
        }
        const applied = await this.#applyInbox(run, lease, openLog);
        if (!applied) return;
        run = applied;
        if (isFinishedRunStatus(run.status)) return;
        if (abort.signal.aborted) return;
        let state = run.state as unknown as RunState;

        if (run.status === 'queued') {
          const started = await this.#takeSlot(run, lease);
          if (started === 'full') {
            this.#queued.add(id);
            return;
          }
          if (!started) return;
          run = started;
          state = run.state as unknown as RunState;
        }
        const log = await openLog();

        const step = nextStep(state);
        if (!step) {
          await this.#finish(run, lease, 'succeeded', state, null, log);
          return;
        }
        if (step.name === 'approval') {
          const decision = state.approval?.decision ?? null;
          if (decision === null) {
            if (run.status !== 'awaiting_approval') {
              const saved = await this.#save(run, lease, { status: 'awaiting_approval', state, wakeAt: null });
              if (saved) {
                log.system('approval', `Waiting for an approver: sluice approve ${run.app}#${run.number}`);
                void reportRun(this.ctx, saved);
              }
            }
            return;
          }
          const now = this.ctx.clock.now();
          state = updateStep(state, 'approval', { status: 'succeeded', startedAt: step.startedAt ?? now, finishedAt: now, detail: `approved by ${state.approval?.by}` });
          if (!(await this.#save(run, lease, { status: 'running', state, wakeAt: null }))) return;
          continue;
        }

        const resumed = step.status === 'running';
        const now = this.ctx.clock.now();
        state = updateStep(state, step.name, { status: 'running', startedAt: now, finishedAt: null, detail: null });
        const running = await this.#save(run, lease, { status: 'running', state, wakeAt: null });
        if (!running) return;
        if (resumed) log.system(step.name, 'The control plane restarted during this step: running it again.');
        void reportRun(this.ctx, running);
        let outcome: StepOutcome;
        try {
          outcome = await this.steps.run(step.name, running, state, { log, signal: abort.signal });
        } catch (error) {
          if (abort.signal.aborted) continue; // canceled or lease lost: the loop applies the cancel or stops
          const message = error instanceof StepFailure || error instanceof SluiceError ? error.message : `unexpected error: ${(error as Error).message}`;
          log.system(step.name, `Failed: ${message}`);
          const end = this.ctx.clock.now();
          const failed = closeSteps(updateStep(state, step.name, { status: 'failed', finishedAt: end, detail: message }), 'skipped', end);
          await this.#finish(running, lease, 'failed', failed, `${step.name} failed: ${message}`, log);
          return;
        }
        const end = this.ctx.clock.now();
        state = updateStep({ ...state, ...outcome.state }, step.name, { status: 'succeeded', finishedAt: end, detail: outcome.detail });
        log.system(step.name, outcome.detail);
        await log.flush();
        if (!(await this.#save(running, lease, { status: activeStatus(state), state, wakeAt: null }))) return;
      }
    } finally {
      await opened?.flush();
    }
  }

  /** Applies waiting commands in order; returns the run as saved, or undefined when the lease was lost. */
  async #applyInbox(run: PipelineRunRecord, lease: LeaseRef, openLog: () => Promise<RunLogWriter>): Promise<PipelineRunRecord | undefined> {
    const { store } = this.ctx.engine;
    let current = run;
    for (const entry of await store.listRunInbox(run.id)) {
      const command = entry.payload as unknown as RunCommand;
      const now = this.ctx.clock.now();
      let state = current.state as unknown as RunState;
      let status: RunStatus = current.status;
      let reason: string | null = current.reason;
      if (!isFinishedRunStatus(status)) {
        if (command.type === 'cancel') {
          state = closeSteps(state, 'canceled', now);
          status = 'canceled';
          reason = command.reason;
        } else if (status === 'awaiting_approval' && state.approval) {
          state = { ...state, approval: { ...state.approval, decision: command.type === 'approve' ? 'approved' : 'rejected', by: command.by, at: now, comment: command.comment } };
          if (command.type === 'reject') {
            state = closeSteps(updateStep(state, 'approval', { status: 'failed', finishedAt: now, detail: `rejected by ${command.by}` }), 'skipped', now);
            status = 'rejected';
            reason = `Rejected by ${command.by}${command.comment ? `: ${command.comment}` : ''}`;
          }
        }
      }
      const saved = await store.transaction(async (tx) => {
        const result = await tx.saveRun(current.id, current.revision, { status, state: state as unknown as Record<string, unknown>, wakeAt: isFinishedRunStatus(status) ? null : current.wakeAt, reason }, now, lease);
        if (result) await tx.consumeInboxEntry(entry.id);
        return result;
      });
      if (!saved) {
        this.#leases.drop(run.id, lease.token);
        return undefined;
      }
      if (saved.status !== current.status || command.type === 'approve') {
        (await openLog()).system('run', describeCommand(command));
        await this.#recordRunEvent(saved, command.type === 'cancel' ? 'run.canceled' : command.type === 'approve' ? 'run.approved' : 'run.rejected', command.by, { reason: saved.reason, comment: 'comment' in command ? command.comment : null });
      }
      current = saved;
      this.ctx.signals.emit('run', saved.id);
      if (isFinishedRunStatus(saved.status)) {
        this.#leases.drop(saved.id, lease.token);
        void this.steps.cleanup(saved);
        void reportRun(this.ctx, saved);
      }
    }
    return current;
  }

  /** Starts a queued run when its app has a free slot; 'full' when it must wait. */
  async #takeSlot(run: PipelineRunRecord, lease: LeaseRef): Promise<PipelineRunRecord | undefined | 'full'> {
    return this.#starting.run('start', async () => {
      if (run.kind !== 'destroy') {
        const limit = typeof run.state.concurrency === 'number' ? run.state.concurrency : DEFAULT_PIPELINE_CONCURRENCY;
        // Destroys under way hold no slot either (the store counts by status only, so they are left out here).
        const runningRuns = await this.ctx.engine.store.listRuns({ app: run.app, statuses: ['running'], limit: 1000 });
        if (runningRuns.filter((other) => other.kind !== 'destroy').length >= limit) return 'full';
      }
      const state = run.state as unknown as RunState;
      const saved = await this.#save(run, lease, { status: activeStatus(state), state, wakeAt: null });
      if (saved) await this.#recordRunEvent(saved, 'run.started', String(run.trigger.actor ?? 'git'), {});
      return saved;
    });
  }

  async #finish(run: PipelineRunRecord, lease: LeaseRef, status: RunStatus, state: RunState, reason: string | null, log: RunLogWriter): Promise<void> {
    // The whole log is stored before anyone can see the run finished.
    log.system('run', reason ? `Run ${status}: ${reason}` : `Run ${status}`);
    await log.flush();
    const saved = await this.#save(run, lease, { status, state, wakeAt: null, reason });
    if (!saved) return;
    this.#leases.drop(run.id, lease.token);
    await this.#recordRunEvent(saved, `run.${status}`, 'sluice', { reason });
    await this.steps.cleanup(saved).catch(() => undefined);
    void reportRun(this.ctx, saved);
  }

  async #save(run: PipelineRunRecord, lease: LeaseRef, update: { status: RunStatus; state: RunState; wakeAt: number | null; reason?: string | null }): Promise<PipelineRunRecord | undefined> {
    const saved = await this.ctx.engine.store.saveRun(run.id, run.revision, { ...update, state: update.state as unknown as Record<string, unknown> }, this.ctx.clock.now(), lease);
    if (!saved) {
      // Another process holds the run now (this one was cut off longer than the lease): let it go. A refused
      // save under our own lease would mean two loops on one run here, which #drive prevents.
      if (!(await this.ctx.engine.store.holdsRunLease(run.id, lease))) this.#leases.drop(run.id, lease.token);
      return undefined;
    }
    this.ctx.signals.emit('run', saved.id);
    return saved;
  }

  async #recordRunEvent(run: PipelineRunRecord, type: string, actor: string, payload: Record<string, unknown>): Promise<void> {
    await recordEvent(this.ctx.engine.store, this.ctx.engine.events, {
      type,
      actor,
      app: run.app,
      stage: run.stage,
      service: null,
      commitSha: run.sha,
      payload: { runId: run.id, number: run.number, kind: run.kind, branch: run.branch, pr: run.pr, status: run.status, ...payload },
    }).catch((error: unknown) => this.ctx.engine.log?.warn({ err: error, runId: run.id }, 'recording a run event failed'));
  }

  async #takeover(claim: RunClaim): Promise<void> {
    await this.#recordRunEvent(claim.run, 'lease.takeover', 'sluice', { previousHolder: claim.previousHolder, holder: claim.lease.holder, expiredAt: claim.previousExpiresAt });
  }
}

function describeCommand(command: RunCommand): string {
  if (command.type === 'cancel') return `Canceled: ${command.reason}`;
  if (command.type === 'approve') return `Approved by ${command.by}${command.comment ? `: ${command.comment}` : ''}`;
  return `Rejected by ${command.by}${command.comment ? `: ${command.comment}` : ''}`;
}

function runWork(store: Store): LeasedWorkStore<RunClaim> {
  return {
    idOf: (claim) => claim.run.id,
    claimDue: (holder, now, ttlMs, limit, options) => store.claimDueRuns(holder, now, ttlMs, limit, options),
    claimOne: (id, holder, now, ttlMs) => store.claimRun(id, holder, now, ttlMs),
    renew: (holder, leases, now, ttlMs) => store.renewRunLeases(holder, leases, now, ttlMs),
    release: (id, lease, now) => store.releaseRunLease(id, lease, now),
  };
}
