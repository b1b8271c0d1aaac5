// `sluice runs [show|cancel]`, `sluice approve|reject` and `sluice promote`: the pipeline runs git events
// start (steps and logs, followed live), the decisions on runs awaiting approval, and the promotion of a
// stage's release to another stage. Thin clients of src/server/pipeline-routes.ts.

import type { Command } from 'commander';
import type { DeployResult } from '../../engine/index.js';
import { SluiceError } from '../../errors/index.js';
import type { RunState, RunStep } from '../../pipeline/index.js';
import type { PipelineRunRecord, ReleaseRecord, RunLogLine, RunStatus } from '../../store/index.js';
// The value alone, from its dependency-free module: the CLI does not load the store.
import { isFinishedRunStatus } from '../../store/pipeline-types.js';
import { ApiClient } from '../api-client.js';
import { appName, collect, findAppRoot } from '../app-context.js';
import { ago, bold, cyan, dim, green, print, printJson, progressLine, red, table, yellow } from '../output.js';
import { printDeployResult } from './deploy.js';

/** How long one log request of `--follow` waits for news (the server caps it at 25 s). */
const FOLLOW_WAIT_MS = 20_000;
const RUN_ARGUMENT = 'APP#N, N (the app from --app or the sluice.app.yml here), or a run id';
const APP_OPTION = 'app name (default: the app of sluice.app.yml here)';
const FOLLOW_HELP = `
Exit code with --follow: 0 when the run succeeded, 1 when it failed, was canceled or was rejected.`;

type Span = (step: Pick<RunStep, 'startedAt' | 'finishedAt'>, now: number) => string;

interface RunOptions {
  app?: string;
  json?: boolean;
}

export function registerPipelineCommands(program: Command): void {
  const client = () => ApiClient.fromOptions(program.opts());

  // Options of `runs` are also read by its subcommands (commander gives them to the parent): optsWithGlobals.
  const runs = program
    .command('runs')
    .description('List pipeline runs, newest first: number, kind, branch, commit, stage, status, step, start, duration')
    .option('--app <name>', 'only this app (default: the app of sluice.app.yml here, else every app)')
    .option('--branch <branch>', 'only runs of this branch')
    .option('--status <statuses>', 'only runs in these statuses (comma-separated or repeated): queued, running, awaiting_approval, succeeded, failed, canceled, rejected', collect)
    .option('-n, --limit <n>', 'number of runs, at most 500', '30')
    .option('--json', 'print as JSON')
    .action(async (options: RunOptions & { branch?: string; status?: string[]; limit: string }) => {
      const app = options.app ?? currentApp();
      const query = new URLSearchParams({ limit: String(positiveNumber(options.limit, '--limit')) });
      if (app) query.set('app', app);
      if (options.branch) query.set('branch', options.branch);
      if (options.status?.length) query.set('status', options.status.join(','));
      const { runs: records } = await client().get<{ runs: PipelineRunRecord[] }>(`/api/runs?${query}`);
      if (options.json) return printJson(records);
      if (records.length === 0) {
        return print(dim(`No pipeline runs${app ? ` of ${app}` : ''}${options.branch || options.status?.length ? ' match' : ' yet'}. Pushes start them once the repository is connected (sluice connect git|github).`));
      }
      const span = await spanFormatter();
      const now = Date.now();
      print(table(
        [...(app ? [] : ['app']), '#', 'kind', 'branch', 'commit', 'stage', 'status', 'step', 'started', 'duration'],
        records.map((r) => [
          ...(app ? [] : [r.app]),
          r.number,
          r.kind,
          r.branch ?? '-',
          r.sha?.slice(0, 7) ?? '-',
          r.stage ?? '-',
          runStatusText(r.status),
          currentStep(r),
          ago(r.createdAt, now),
          span({ startedAt: r.createdAt, finishedAt: r.finishedAt }, now),
        ]),
      ));
    });

  runs
    .command('show')
    .description('Show a run: what started it, its commit, approval and URLs, its steps and its log')
    .argument('<run>', RUN_ARGUMENT)
    .option('--app <name>', APP_OPTION)
    .option('-f, --follow', 'keep printing new log lines until the run ends, then its final status')
    .option('--json', 'print { run, logs } as JSON; with --follow one object per line: {"type":"log",…} per log line, {"type":"run","run":…} at the start and on every change')
    .addHelpText('after', FOLLOW_HELP)
    .action(async (run: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals() as RunOptions & { follow?: boolean };
      await showRun(client(), runRef(run, options), options);
    });

  runs
    .command('cancel')
    .description('Cancel a run: its running step is stopped and the remaining ones skipped')
    .argument('<run>', RUN_ARGUMENT)
    .option('--app <name>', APP_OPTION)
    .option('--json', 'print the run as JSON')
    .action(async (run: string, _options: unknown, command: Command) => {
      await sendRunCommand(client(), 'cancel', run, command.optsWithGlobals() as RunOptions);
    });

  for (const verb of ['approve', 'reject'] as const) {
    program
      .command(verb)
      .description(verb === 'approve'
        ? 'Approve a run awaiting approval (needs the approver role): it goes on to deploy or promote'
        : 'Reject a run awaiting approval (needs the approver role): it ends without deploying')
      .argument('<run>', RUN_ARGUMENT)
      .option('--comment <text>', 'why, kept with the decision')
      .option('--app <name>', APP_OPTION)
      .option('--json', 'print the run as JSON')
      .action(async (run: string, options: RunOptions & { comment?: string }) => sendRunCommand(client(), verb, run, options));
  }

  program
    .command('promote')
    .description('Deploy the release live on one stage to another as it is (same bundles, manifests and params; no rebuild)')
    .requiredOption('--from <stage>', 'stage whose release is promoted, e.g. staging')
    .requiredOption('--to <stage>', 'stage it is deployed to, e.g. prod (approver role when its profile requires approval)')
    .option('--app <name>', APP_OPTION)
    .option('--strategy <strategy>', 'traffic shifting for this promotion, e.g. AllAtOnce, Canary10Percent5Minutes (wins over the manifest)')
    .option('--wait', 'wait until every rollout of the promotion has finished')
    .option('--json', 'print the result as JSON')
    .action(async (options: RunOptions & { from: string; to: string; strategy?: string; wait?: boolean }) => {
      const app = appName(options);
      if (!options.json) progressLine(`Promoting the release of ${app} stage ${options.from} to stage ${options.to}`);
      const result = await client().post<DeployResult & { release: ReleaseRecord }>(
        `/api/apps/${encodeURIComponent(app)}/stages/${encodeURIComponent(options.to)}/promote`,
        { from: options.from, wait: options.wait ?? false, strategy: options.strategy },
      );
      if (options.json) printJson(result);
      else {
        printDeployResult(result);
        const { release } = result;
        print(dim(`Release ${release.id.slice(0, 8)} of ${release.stage}${release.commitSha ? `, commit ${release.commitSha.slice(0, 7)}` : ''}, deployed there ${ago(release.createdAt)}.`));
      }
      if (result.services.some((s) => s.rollout?.status === 'failed' || s.rollout?.status === 'aborted')) process.exitCode = 1;
    });
}

/** RUN as the API names it: `APP#N` and run ids as given; a bare number gets the app of --app or of this folder. */
function runRef(run: string, options: { app?: string }): string {
  if (!/^\d+$/.test(run)) return run;
  const app = options.app ?? currentApp();
  if (!app) {
    throw new SluiceError('INVALID_ARGUMENT', `Run ${run} of which app? There is no --app and no sluice.app.yml in ${process.cwd()} or its parents.`, {
      hint: `Name the run as APP#${run}, pass --app NAME, or run the command inside the app folder.`,
    });
  }
  return `${app}#${run}`;
}

/** The app of the sluice.app.yml here or in a parent folder, if there is one. */
function currentApp(): string | undefined {
  const root = findAppRoot();
  return root ? appName({ dir: root }) : undefined;
}

function positiveNumber(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new SluiceError('INVALID_ARGUMENT', `${option} expects a whole number above 0, got "${text}".`);
  return value;
}

const runPath = (ref: string) => `/api/runs/${encodeURIComponent(ref)}`;
const runName = (run: Pick<PipelineRunRecord, 'app' | 'number'>) => `${run.app}#${run.number}`;
const isFinished = (run: PipelineRunRecord) => isFinishedRunStatus(run.status);

/** The pipeline's own duration format (`1.2s`, `3m 4s`), loaded on use so `sluice` starts without the pipeline. */
async function spanFormatter(): Promise<Span> {
  const { stepDuration } = await import('../../pipeline/index.js');
  return (step, now) => stepDuration(step, now) || '-';
}

async function showRun(api: ApiClient, ref: string, options: { json?: boolean; follow?: boolean }): Promise<void> {
  let { run } = await api.get<{ run: PipelineRunRecord }>(runPath(ref));
  const logsPath = `${runPath(run.id)}/logs`;
  const span = options.json ? undefined : await spanFormatter();
  if (!options.follow) {
    const logs: RunLogLine[] = [];
    for (let after = 0; ;) {
      const page = await api.get<{ lines: RunLogLine[]; run: PipelineRunRecord }>(`${logsPath}?after=${after}`);
      if (page.lines.length === 0) break;
      logs.push(...page.lines);
      after = page.lines.at(-1)!.seq;
      run = page.run;
    }
    if (options.json) return printJson({ run, logs });
    printRunFacts(run, span!);
    print();
    printRunOutcome(run, span!);
    if (logs.length > 0) print();
    for (const line of logs) printLogLine(line);
    return;
  }

  const emit = (value: Record<string, unknown>) => print(JSON.stringify(value));
  if (options.json) emit({ type: 'run', run });
  else {
    // The steps and URLs change while it runs: they are printed once it has finished.
    printRunFacts(run, span!);
    print();
  }
  let after = 0;
  for (;;) {
    const page = await api.get<{ lines: RunLogLine[]; run: PipelineRunRecord }>(`${logsPath}?after=${after}${isFinished(run) ? '' : `&wait=${FOLLOW_WAIT_MS}`}`);
    for (const line of page.lines) {
      if (options.json) emit({ type: 'log', ...line });
      else printLogLine(line);
      after = line.seq;
    }
    // The finished run is printed once, last, after every line of its log.
    if (options.json && page.run.revision !== run.revision && !isFinished(page.run)) emit({ type: 'run', run: page.run });
    run = page.run;
    // A finished run may still have lines the last page did not carry: read until a page comes back empty.
    if (isFinished(run) && page.lines.length === 0) break;
  }
  if (options.json) emit({ type: 'run', run });
  else {
    print();
    printRunOutcome(run, span!);
    print(finalLine(run, span!));
  }
  process.exitCode = run.status === 'succeeded' ? 0 : 1;
}

function printRunFacts(run: PipelineRunRecord, span: Span): void {
  const state = run.state as unknown as RunState;
  print(`${bold(runName(run))}  ${run.kind}${run.stage ? ` → stage ${bold(run.stage)}` : ''}  ${runStatusText(run.status)}`);
  const facts: Array<[string, string]> = [['branch', run.branch ?? '-']];
  const commit = state.commit ? ` ${state.commit.message.split('\n')[0]} ${dim(`(${state.commit.author})`)}` : '';
  facts.push(['commit', run.sha ? `${run.sha.slice(0, 7)}${commit}` : '-']);
  if (run.pr !== null) facts.push(['pull request', `#${run.pr}${run.fork ? ' (from a fork: checks get no secrets)' : ''}`]);
  facts.push(['trigger', describeTrigger(run.trigger)]);
  facts.push(['started', `${ago(run.createdAt)}${run.finishedAt ? `, finished ${ago(run.finishedAt)} (${span({ startedAt: run.createdAt, finishedAt: run.finishedAt }, Date.now())})` : ''}`]);
  if (run.reason) facts.push(['reason', run.status === 'succeeded' ? run.reason : red(run.reason)]);
  const approval = describeApproval(run, state);
  if (approval) facts.push(['approval', approval]);
  facts.push(['id', dim(run.id)]);
  for (const [name, value] of facts) print(`  ${dim(name.padEnd(12))} ${value}`);
}

/** The URLs the run deployed, then its steps. */
function printRunOutcome(run: PipelineRunRecord, span: Span): void {
  const state = run.state as unknown as RunState;
  const services = [...new Set([...Object.keys(state.urls ?? {}), ...Object.keys(state.commitUrls ?? {})])];
  if (services.length > 0) {
    print(table(['service', 'URL', 'URL of this commit (immutable)'], services.map((s) => [s, cyan(state.urls?.[s] ?? '-'), state.commitUrls?.[s] ?? '-'])));
    print();
  }
  printSteps(run, span);
}

function printSteps(run: PipelineRunRecord, span: Span): void {
  const now = Date.now();
  const steps = (run.state as unknown as RunState).steps ?? [];
  print(table(['step', 'status', 'duration', 'detail'], steps.map((s) => [s.name, stepStatusText(s.status), s.startedAt === null ? '-' : span(s, now), s.detail ?? ''])));
}

function describeApproval(run: PipelineRunRecord, state: RunState): string | undefined {
  const approval = state.approval;
  if (!approval?.required) return undefined;
  if (approval.decision) {
    const text = `${approval.decision} by ${approval.by ?? '?'} ${ago(approval.at)}${approval.comment ? `: "${approval.comment}"` : ''}`;
    return approval.decision === 'approved' ? green(text) : red(text);
  }
  if (run.status === 'awaiting_approval') {
    return `${bold(`awaiting approval: sluice approve ${runName(run)}`)} ${dim(`(or sluice reject; needs a token with the approver role${approval.preventSelfReview ? ', not the commit author\'s' : ''})`)}`;
  }
  return isFinished(run) ? dim('required, never given') : dim('required, after the checks');
}

function describeTrigger(trigger: Record<string, unknown>): string {
  const event = [trigger.source, trigger.event, trigger.action].filter((part) => typeof part === 'string').join(' ');
  return `${event || 'unknown'}${typeof trigger.actor === 'string' ? ` by ${trigger.actor}` : ''}`;
}

function printLogLine(line: RunLogLine): void {
  print(`${cyan(line.step.padEnd(11))} ${line.stream === 'system' ? dim(line.line) : line.line}`);
}

function finalLine(run: PipelineRunRecord, span: Span): string {
  const took = span({ startedAt: run.createdAt, finishedAt: run.finishedAt }, Date.now());
  if (run.status === 'succeeded') return green(`✔ Run ${runName(run)} succeeded`) + dim(` in ${took}`);
  return red(`✘ Run ${runName(run)} ${run.status}`) + dim(` after ${took}`) + (run.reason ? `: ${run.reason}` : '');
}

async function sendRunCommand(api: ApiClient, verb: 'cancel' | 'approve' | 'reject', run: string, options: RunOptions & { comment?: string }): Promise<void> {
  const body = verb === 'cancel' ? {} : { comment: options.comment };
  const result = await api.post<{ run: PipelineRunRecord }>(`${runPath(runRef(run, options))}/${verb}`, body);
  if (options.json) return printJson(result.run);
  const done = { cancel: 'Canceled', approve: 'Approved', reject: 'Rejected' }[verb];
  // The run acts on the decision a moment later: its status may not show it yet.
  const settled = verb === 'approve' ? result.run.status !== 'awaiting_approval' : isFinished(result.run);
  print(green(`✔ ${done} run ${runName(result.run)}`) + (settled ? `: now ${runStatusText(result.run.status)}` : dim(` (status ${result.run.status} until the run takes it up)`)));
  if (!isFinished(result.run)) print(dim(`Follow it with \`sluice runs show ${runName(result.run)} --follow\`.`));
}

/** The running step, the approval a run waits for, else the last step that did something. */
function currentStep(run: PipelineRunRecord): string {
  const steps = (run.state as unknown as RunState).steps ?? [];
  const running = steps.find((s) => s.status === 'running');
  if (running) return running.name;
  if (run.status === 'awaiting_approval') return 'approval';
  const last = steps.filter((s) => s.status !== 'pending' && s.status !== 'skipped').at(-1);
  if (!last) return '-';
  return last.status === 'failed' ? red(last.name) : last.name;
}

function runStatusText(status: RunStatus): string {
  switch (status) {
    case 'succeeded':
      return green(status);
    case 'failed':
    case 'rejected':
      return red(status);
    case 'running':
    case 'queued':
      return yellow(status);
    case 'awaiting_approval':
      return bold(status);
    default:
      return status;
  }
}

function stepStatusText(status: RunStep['status']): string {
  if (status === 'succeeded') return green(status);
  if (status === 'failed') return red(status);
  if (status === 'running') return yellow(status);
  return dim(status);
}
