// What each step of a pipeline run does: check out the exact commit, run the checks, deploy (a preview or a
// mapped stage), run the integration step against the deployed stage, promote a verified release, destroy a
// preview. A step either returns what it changed in the run's state with one line of detail, or throws a
// StepFailure saying why in plain words. Steps are safe to run again after a restart.

import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import {
  deployApp,
  deployRelease,
  packageApp,
  recordCommitAliases,
  removeStage,
  type DeployResult,
  type ProgressEvent,
} from '../engine/index.js';
import { parseApp, profileForStage, readManifestSources } from '../manifest/index.js';
import type { PipelineRunRecord } from '../store/index.js';
import { baseCommandEnv, runCommand } from './command-runner.js';
import { checkoutCommit, commitInfo, ensureMirror, fetchCommit, hasCommit, removeCheckout } from './git/index.js';
import { mirrorDir, type PipelineContext } from './pipeline-context.js';
import { pipelineConfigOf } from './pipeline-config.js';
import type { RunLogWriter } from './run-log-writer.js';
import type { CommandStep, PipelineConfig, RunState, StepName } from './types.js';

/** A step that did not succeed, with the reason people read. */
export class StepFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepFailure';
  }
}

export interface StepIO {
  log: RunLogWriter;
  signal: AbortSignal;
}

export interface StepOutcome {
  detail: string;
  state?: Partial<RunState>;
}

export class RunSteps {
  constructor(private readonly ctx: PipelineContext) {}

  run(step: StepName, run: PipelineRunRecord, state: RunState, io: StepIO): Promise<StepOutcome> {
    switch (step) {
      case 'checkout': return this.checkout(run, io);
      case 'checks': return this.checks(run, state, io);
      case 'deploy': return this.deploy(run, state, io);
      case 'integration': return this.integration(run, state, io);
      case 'promote': return this.promote(run, state, io);
      case 'destroy': return this.destroy(run, io);
      case 'approval': throw new StepFailure('The approval step is decided by an approver, not run.');
    }
  }

  /** Where the run's checkout lives (under the control plane's home, named by run id only). */
  checkoutDir(run: PipelineRunRecord): string {
    return join(this.runsDir(), run.id);
  }

  private runsDir(): string {
    return join(this.ctx.dir, 'runs');
  }

  mirrorDir(repoId: string): string {
    return mirrorDir(this.ctx, repoId);
  }

  /** Removes a finished run's checkout. */
  async cleanup(run: PipelineRunRecord): Promise<void> {
    const dir = this.checkoutDir(run);
    if (!existsSync(dir)) return;
    if (run.repoId) {
      const mirror = this.mirrorDir(run.repoId);
      await this.ctx.mirrors.run(mirror, () => removeCheckout(mirror, dir, { within: this.runsDir() })).catch(() => undefined);
    }
    await rm(dir, { recursive: true, force: true });
  }

  private async checkout(run: PipelineRunRecord, io: StepIO): Promise<StepOutcome> {
    const repo = run.repoId ? await this.ctx.engine.store.getRepository(run.repoId) : undefined;
    if (!repo || !run.sha) throw new StepFailure('The run has no repository or commit to check out (the repository was disconnected).');
    const mirror = this.mirrorDir(repo.id);
    const headCloneUrl = typeof run.trigger.headCloneUrl === 'string' ? run.trigger.headCloneUrl : null;
    await this.ctx.mirrors.run(mirror, async () => {
      // The event's intake fetched the commit already; fetch only what is missing (a resumed or direct run).
      if (existsSync(mirror) && (await hasCommit(mirror, run.sha!))) return;
      io.log.system('checkout', `Fetching ${repo.url}`);
      await ensureMirror(repo.url, mirror);
      if (headCloneUrl) {
        io.log.system('checkout', `Fetching ${run.sha!.slice(0, 7)} from the fork ${headCloneUrl}`);
        await fetchCommit(mirror, headCloneUrl, run.sha!);
      }
    });
    const dir = this.checkoutDir(run);
    await this.cleanup(run);
    await mkdir(this.runsDir(), { recursive: true });
    await this.ctx.mirrors.run(mirror, () => checkoutCommit(mirror, run.sha!, dir, { within: this.runsDir() }));
    const info = await commitInfo(mirror, run.sha);
    io.log.system('checkout', `Checked out ${run.sha.slice(0, 7)} "${info.message.split('\n')[0]}" by ${info.author}`);
    return {
      detail: `${run.sha.slice(0, 7)} ${info.message.split('\n')[0]}`.slice(0, 120),
      state: { commit: { tree: info.tree, author: info.author, authorEmail: info.authorEmail, message: info.message } },
    };
  }

  private async checks(run: PipelineRunRecord, state: RunState, io: StepIO): Promise<StepOutcome> {
    const { config, appRoot, profile } = await this.loadConfig(run, io);
    if (config.checks.length === 0) return { detail: 'no checks configured' };
    const env = await this.commandEnv(run, state);
    for (const check of config.checks) {
      await this.runUserCommand('checks', check, { cwd: appRoot, env, profile, fork: run.fork }, io);
    }
    return { detail: `${config.checks.length} check${config.checks.length === 1 ? '' : 's'} passed` };
  }

  private async deploy(run: PipelineRunRecord, state: RunState, io: StepIO): Promise<StepOutcome> {
    const stage = requireStage(run);
    const { config, appRoot } = await this.loadConfig(run, io);
    io.log.system('deploy', `Bundling the app at ${run.sha?.slice(0, 7)}`);
    const pkg = await packageApp(appRoot);
    const preview = run.kind === 'preview';
    if (preview) await this.recordPreview(run, stage, config);
    const result = await this.withRolloutView(run.app, stage, io.log, 'deploy', () => deployApp(
      this.ctx.engine,
      this.ctx.rollouts,
      {
        sources: pkg.sources,
        bundles: pkg.bundles,
        functionCode: pkg.functionCode,
        stage,
        actor: runActor(run),
        commitSha: run.sha,
        treeSha: state.commit?.tree ?? null,
        runId: run.id,
        wait: true,
        stageKind: preview ? 'preview' : 'stage',
      },
      progressTo(io.log, 'deploy'),
    ));
    assertRolledOut(result);
    const outcome = this.deployedState(result);
    if (preview && run.sha) {
      const commitUrls = await recordCommitAliases(this.ctx.engine, { app: result.app, stage, sha: run.sha });
      outcome.commitUrls = commitUrls;
      for (const [service, url] of Object.entries(commitUrls)) io.log.system('deploy', `${service} at this commit: ${url}`);
    }
    return { detail: describeDeploy(result), state: outcome };
  }

  private async integration(run: PipelineRunRecord, state: RunState, io: StepIO): Promise<StepOutcome> {
    const { config, appRoot, profile } = await this.loadConfig(run, io);
    const step = config.previews?.integration;
    if (!step) return { detail: 'no integration step configured' };
    const env = { ...(await this.commandEnv(run, state)), ...urlEnv(state) };
    await this.runUserCommand('integration', step, { cwd: appRoot, env, profile, fork: run.fork }, io);
    return { detail: `${step.name} passed` };
  }

  private async promote(run: PipelineRunRecord, state: RunState, io: StepIO): Promise<StepOutcome> {
    const stage = requireStage(run);
    const tree = state.commit?.tree;
    const from = Array.isArray(run.state.promoteFrom) ? (run.state.promoteFrom as string[]) : [];
    if (!tree) throw new StepFailure('The commit was not checked out, so its tree is unknown.');
    // The release of this exact tree: the one staging verified (a merge), or one this stage ran before (a revert).
    const release = await this.ctx.engine.store.findReleaseByTree(run.app, [...from, stage], tree);
    if (!release) {
      throw new StepFailure(
        `Commit ${run.sha?.slice(0, 7)} was never deployed to ${from.join(' or ') || stage}: ${stage} only receives what ${from.join(' or ') || 'an earlier stage'} verified. Merge the branch that deployed ${from[0] ?? 'there'} into ${run.branch ?? stage}.`,
      );
    }
    io.log.system('promote', `Promoting the release of ${release.stage} at ${release.commitSha?.slice(0, 7) ?? 'a CLI deploy'} (same bundles, no rebuild)`);
    const result = await this.withRolloutView(run.app, stage, io.log, 'promote', () => deployRelease(
      this.ctx.engine,
      this.ctx.rollouts,
      { release, stage, actor: runActor(run, state), commitSha: run.sha, treeSha: tree, runId: run.id, wait: true },
      progressTo(io.log, 'promote'),
    ));
    assertRolledOut(result);
    return { detail: `${describeDeploy(result)} from ${release.stage}`, state: this.deployedState(result) };
  }

  private async destroy(run: PipelineRunRecord, io: StepIO): Promise<StepOutcome> {
    const stage = requireStage(run);
    const { store } = this.ctx.engine;
    const existing = await store.getStage(run.app, stage);
    if (existing && existing.kind !== 'preview') throw new StepFailure(`Stage ${stage} is not a preview; only previews are destroyed with their branch.`);
    if (existing) {
      const removed = await removeStage(this.ctx.engine, run.app, stage, runActor(run), progressTo(io.log, 'destroy'));
      await store.deletePreview(run.app, stage);
      return { detail: `removed ${stage}: ${removed.services.length} services, ${removed.versionsDeleted} versions, ${removed.tablesDropped.length} tables` };
    }
    await store.deletePreview(run.app, stage);
    return { detail: `${stage} was already gone` };
  }

  /** Logs the traffic steps of the stage's rollouts while `deploy` runs: the run's view of its rollout. */
  private async withRolloutView<T>(app: string, stage: string, log: RunLogWriter, step: string, deploy: () => Promise<T>): Promise<T> {
    const unsubscribe = this.ctx.engine.events?.subscribe((event) => {
      if (event.app !== app || event.stage !== stage || !event.type.startsWith('rollout.')) return;
      const message = typeof event.payload.message === 'string' ? event.payload.message : event.type.slice('rollout.'.length);
      log.system(step, `rollout of ${event.service}: ${message}`);
    });
    try {
      return await deploy();
    } finally {
      unsubscribe?.();
    }
  }

  private async recordPreview(run: PipelineRunRecord, stage: string, config: PipelineConfig): Promise<void> {
    const { store } = this.ctx.engine;
    const existing = await store.getPreview(run.app, stage);
    await store.upsertPreview(
      {
        app: run.app,
        stage,
        repoId: run.repoId,
        branch: run.branch ?? stage,
        pr: run.pr ?? existing?.pr ?? null,
        headSha: run.sha ?? existing?.headSha ?? '',
        lastActivityAt: this.ctx.clock.now(),
        commentId: existing?.commentId ?? null,
        protected: config.previews?.protect ?? false,
      },
      this.ctx.clock.now(),
    );
  }

  private deployedState(result: DeployResult): Partial<RunState> {
    const urls: Record<string, string> = {};
    const versions: Record<string, string> = {};
    for (const service of result.services) {
      urls[service.service] = service.url;
      for (const fn of service.functions) versions[`${service.service}.${fn.name}`] = fn.versionId;
    }
    return { urls, versions, ...(result.releaseId ? { releaseId: result.releaseId } : {}) };
  }

  private async loadConfig(run: PipelineRunRecord, io: StepIO): Promise<{ config: PipelineConfig; appRoot: string; profile: string }> {
    const repo = run.repoId ? await this.ctx.engine.store.getRepository(run.repoId) : undefined;
    const checkout = this.checkoutDir(run);
    const appRoot = resolve(checkout, repo?.appDir ?? '.');
    if (appRoot !== checkout && !appRoot.startsWith(checkout + sep)) throw new StepFailure('The app folder of the repository points outside its checkout.');
    if (!existsSync(checkout)) {
      // The run was taken over from a process on another machine (or its checkout was removed): the checkout
      // step is safe to repeat, so check the same commit out here rather than fail a run that is resumable.
      io.log.system('checkout', 'The checkout of this run is not on this machine: checking the commit out again.');
      await this.checkout(run, io);
    }
    const loaded = parseApp(await readManifestSources(appRoot));
    return { config: pipelineConfigOf(loaded.app), appRoot, profile: profileForStage(loaded.app, run.stage ?? '*') };
  }

  /** The environment of checks and integration: never the control plane's own; no secret or token for forks. */
  private async commandEnv(run: PipelineRunRecord, state: RunState): Promise<Record<string, string>> {
    const env: Record<string, string> = {
      ...baseCommandEnv(join(this.ctx.dir, 'home')),
      SLUICE_RUN_ID: run.id,
      SLUICE_RUN_NUMBER: String(run.number),
      SLUICE_APP: run.app,
      SLUICE_COMMIT: run.sha ?? '',
      SLUICE_BRANCH: run.branch ?? '',
      SLUICE_STAGE: run.stage ?? '',
      SLUICE_FORK: run.fork ? 'true' : 'false',
    };
    if (run.pr !== null) env.SLUICE_PR = String(run.pr);
    if (state.commit) env.SLUICE_COMMIT_AUTHOR = state.commit.author;
    if (!run.fork) {
      env.SLUICE_URL = this.ctx.apiUrl();
      if (this.ctx.controlToken) env.SLUICE_TOKEN = this.ctx.controlToken;
    }
    return env;
  }

  private async runUserCommand(step: 'checks' | 'integration', command: CommandStep, where: { cwd: string; env: Record<string, string>; profile: string; fork: boolean }, io: StepIO): Promise<void> {
    const secretEnv = command.secrets.length > 0 ? await this.secretsFor(step, command, where.fork, where.profile, io) : {};
    io.log.system(step, `$ ${command.run}`);
    const result = await runCommand({
      command: command.run,
      cwd: where.cwd,
      env: { ...where.env, ...command.env, ...secretEnv },
      timeoutMs: command.timeoutMs,
      signal: io.signal,
      onLine: (stream, line) => io.log.write(step, stream, line),
    });
    if (result.canceled) throw new StepFailure(`${command.name} was canceled`);
    if (result.timedOut) throw new StepFailure(`${command.name} timed out after ${Math.round(command.timeoutMs / 1000)}s`);
    if (result.exitCode !== 0) throw new StepFailure(`${command.name} failed (exit ${result.exitCode ?? result.signal})`);
    io.log.system(step, `${command.name} passed in ${(result.durationMs / 1000).toFixed(1)}s`);
  }

  /** The secrets a command names, from the profile of the run's stage; none at all for a fork. */
  private async secretsFor(step: string, command: CommandStep, fork: boolean, profile: string, io: StepIO): Promise<Record<string, string>> {
    if (fork) {
      io.log.system(step, `A pull request from a fork gets no secrets: ${command.secrets.join(', ')} not set`);
      return {};
    }
    const { store, secrets } = this.ctx.engine;
    const env: Record<string, string> = {};
    for (const name of command.secrets) {
      const sealed = await store.getSecret(profile, name);
      if (sealed === undefined) throw new StepFailure(`${command.name} needs secret ${name}, which profile ${profile} does not have (sluice secrets set ${name} --profile ${profile}).`);
      env[name] = secrets.decrypt(sealed);
    }
    return env;
  }

}

function requireStage(run: PipelineRunRecord): string {
  if (!run.stage) throw new StepFailure('The run names no stage.');
  return run.stage;
}

/** Who the audit log names for a run's deploys: the run, and the person whose push started it. */
export function runActor(run: PipelineRunRecord, state?: RunState): string {
  const by = typeof run.trigger.actor === 'string' ? run.trigger.actor : 'git';
  const approved = state?.approval?.by ? `, approved by ${state.approval.by}` : '';
  return `pipeline:${run.app}#${run.number} (${by}${approved})`;
}

function progressTo(log: RunLogWriter, step: string) {
  return (event: ProgressEvent) => log.system(step, event.service ? `[${event.service}] ${event.message}` : event.message);
}

/** A deploy whose rollout rolled back failed: the stage still serves the old versions. */
function assertRolledOut(result: DeployResult): void {
  const failed = result.services.filter((s) => s.rollout && (s.rollout.status === 'failed' || s.rollout.status === 'aborted'));
  if (failed.length > 0) {
    throw new StepFailure(failed.map((s) => `rollout of ${s.service} ${s.rollout!.status === 'aborted' ? 'was aborted' : 'rolled back'}: ${s.rollout!.reason ?? 'no reason given'}`).join('; '));
  }
}

function describeDeploy(result: DeployResult): string {
  const deployed = result.services.filter((s) => s.status === 'deployed').map((s) => s.service);
  if (deployed.length === 0) return `no changes on ${result.stage}`;
  return `deployed ${deployed.join(', ')} to ${result.stage}`;
}

/** SLUICE_URL_<SERVICE> (and the commit's immutable URLs) for the integration step. */
function urlEnv(state: RunState): Record<string, string> {
  const env: Record<string, string> = { SLUICE_URLS: JSON.stringify(state.urls ?? {}) };
  for (const [service, url] of Object.entries(state.urls ?? {})) env[`SLUICE_URL_${envName(service)}`] = url;
  for (const [service, url] of Object.entries(state.commitUrls ?? {})) env[`SLUICE_COMMIT_URL_${envName(service)}`] = url;
  return env;
}

function envName(service: string): string {
  return service.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}
