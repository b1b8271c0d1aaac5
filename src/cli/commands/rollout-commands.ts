// `sluice rollout status|watch|promote|pause|resume|abort` and `sluice rollback`: see and steer the traffic
// shifting of a service, or put it back on earlier versions.

import type { Command } from 'commander';
import type { RollbackResult } from '../../engine/index.js';
import type { RolloutState } from '../../engine/rollout/types.js';
import { SluiceError } from '../../errors/index.js';
import type { RolloutRecord } from '../../store/index.js';
import { ApiClient } from '../api-client.js';
import { appName } from '../app-context.js';
import { bold, cyan, dim, green, print, printJson, red, table, yellow } from '../output.js';

interface TargetOptions {
  stage: string;
  service?: string;
  app?: string;
  dir?: string;
  json?: boolean;
}

export function registerRolloutCommands(program: Command): void {
  const client = () => ApiClient.fromOptions(program.opts());
  const rollout = program.command('rollout').description('See and steer the traffic shifting of a deployment');
  const target = (command: Command) =>
    command
      .requiredOption('-s, --stage <stage>', 'stage')
      .option('--service <name>', 'service (default: the one with a rollout in progress)')
      .option('--app <name>', 'app name (default: the app of sluice.app.yml here)')
      .option('--dir <dir>', 'app folder holding sluice.app.yml')
      .option('--json', 'print as JSON');

  target(rollout.command('status').description('Show the rollout of a service: phase, traffic split, schedule, alarms')).action(async (options: TargetOptions) => {
    const record = await findRollout(client(), options, false);
    if (options.json) return printJson(record);
    printRollout(record);
  });

  target(rollout.command('watch').description('Follow a rollout live: traffic bar, alarm states, next step, until it ends')).action(async (options: TargetOptions) => {
    const api = client();
    let record = await findRollout(api, options, false);
    const app = appName(options);
    const render = (r: RolloutRecord) => (options.json ? print(JSON.stringify(r)) : printRollout(r, process.stdout.isTTY));
    render(record);
    if (record.status !== 'active') return;
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    await api.events(
      `/api/events?app=${encodeURIComponent(app)}&stage=${encodeURIComponent(options.stage)}&service=${encodeURIComponent(record.service)}`,
      (event) => {
        if (!event.event.startsWith('rollout.')) return;
        void api.get<{ rollout: RolloutRecord }>(rolloutPath(app, options.stage, record.service)).then((latest) => {
          record = latest.rollout;
          render(record);
          if (record.status !== 'active') abort.abort();
        });
      },
      abort.signal,
    );
  });

  const steer = (name: 'promote' | 'pause' | 'resume' | 'abort', description: string) => target(rollout.command(name).description(description));
  steer('promote', 'Move to the next step now; with --full go to 100% and skip the remaining waits')
    .option('--full', 'finish now')
    .action(async (options: TargetOptions & { full?: boolean }) => control(client(), options, 'promote', { full: options.full ?? false }));
  steer('pause', 'Hold the current traffic split (analysis keeps watching)').action(async (options: TargetOptions) => control(client(), options, 'pause', {}));
  steer('resume', 'Continue a paused rollout with the remaining wait').action(async (options: TargetOptions) => control(client(), options, 'resume', {}));
  steer('abort', 'Stop the rollout and put 100% of traffic back on the old versions')
    .option('--reason <text>', 'why, for the history')
    .action(async (options: TargetOptions & { reason?: string }) => control(client(), options, 'abort', { reason: options.reason }));

  program
    .command('rollback')
    .description('Put a service back on earlier versions (code and config) in one step; default: undo its last deployment')
    .requiredOption('-s, --stage <stage>', 'stage')
    .requiredOption('--service <name>', 'service')
    .option('--to <target>', 'deployment id (from `sluice deploy list`), version id, N or function@N')
    .option('--app <name>', 'app name (default: the app of sluice.app.yml here)')
    .option('--dir <dir>', 'app folder holding sluice.app.yml')
    .option('--json', 'print the result as JSON')
    .action(async (options: TargetOptions & { service: string; to?: string }) => {
      const result = await client().post<RollbackResult>(`/api/apps/${appName(options)}/stages/${encodeURIComponent(options.stage)}/rollback`, {
        service: options.service,
        to: options.to,
        actor: process.env.USER ?? 'local',
      });
      if (options.json) return printJson(result);
      print(green(`✔ Rolled back ${result.service} in stage ${result.stage}`));
      print(table(['function', 'from', 'to'], result.changes.map((c) => [c.function, c.fromNumber ? `v${c.fromNumber}` : '-', `v${c.toNumber}`])));
    });
}

async function control(api: ApiClient, options: TargetOptions, command: string, body: Record<string, unknown>): Promise<void> {
  const record = await findRollout(api, options, true);
  const app = appName(options);
  const result = await api.post<{ rollout: RolloutRecord }>(`${rolloutPath(app, options.stage, record.service)}/${command}`, { ...body, actor: process.env.USER ?? 'local' });
  if (options.json) return printJson(result.rollout);
  printRollout(result.rollout);
}

function rolloutPath(app: string, stage: string, service: string): string {
  return `/api/apps/${encodeURIComponent(app)}/stages/${encodeURIComponent(stage)}/rollouts/${encodeURIComponent(service)}`;
}

/** The rollout of --service, else the one active rollout of the stage, else (for reading) the latest. */
async function findRollout(api: ApiClient, options: TargetOptions, mustBeActive: boolean): Promise<RolloutRecord> {
  const app = appName(options);
  if (options.service) return (await api.get<{ rollout: RolloutRecord }>(rolloutPath(app, options.stage, options.service))).rollout;
  const { rollouts } = await api.get<{ rollouts: RolloutRecord[] }>(`/api/apps/${encodeURIComponent(app)}/stages/${encodeURIComponent(options.stage)}/rollouts?limit=50`);
  const active = rollouts.filter((r) => r.status === 'active');
  if (active.length === 1) return active[0]!;
  if (active.length > 1) {
    throw new SluiceError('INVALID_ARGUMENT', `Several rollouts are in progress in stage ${options.stage}: ${active.map((r) => r.service).join(', ')}.`, { hint: 'Name one with --service.' });
  }
  if (!mustBeActive && rollouts[0]) return rollouts[0];
  throw new SluiceError('NOT_FOUND', `No rollout is in progress in stage ${options.stage}.`, { hint: 'Rollouts start with `sluice deploy`; `sluice deploy list` shows the history.' });
}

export function printRollout(record: RolloutRecord, redraw = false): void {
  const state = record.state as unknown as RolloutState;
  const steps = state.plan.schedule.steps;
  const phase =
    state.phase === 'succeeded' ? green('succeeded') : state.phase === 'failed' || state.phase === 'aborted' ? red(state.phase) : state.paused ? yellow('paused') : cyan(state.phase);
  const lines: string[] = [];
  lines.push(`${bold(state.service)} in ${bold(state.stage)} — ${phase} · ${state.plan.schedule.name} · step ${Math.max(0, state.stepIndex) + 1}/${steps.length}`);
  const width = 40;
  const filled = Math.round((state.weight / 100) * width);
  const wait = state.paused ? state.pausedRemainingMs : state.nextStepAt ? state.nextStepAt - Date.now() : null;
  lines.push(`  [${green('█'.repeat(filled))}${dim('░'.repeat(width - filled))}] ${String(state.weight).padStart(3)}% new${wait && wait > 0 && record.status === 'active' ? dim(`   next step in ${formatWait(wait)}`) : ''}`);
  lines.push(`  schedule ${steps.map((s, i) => (i === state.stepIndex ? bold(`${s.weight}%`) : `${s.weight}%`)).join(' → ')}`);
  for (const alarm of state.lastAnalysis ?? []) {
    const colour = alarm.outcome === 'successful' ? green : alarm.outcome === 'failed' ? red : yellow;
    lines.push(`  ${colour(alarm.outcome.padEnd(12))} ${alarm.alarm} ${dim(alarm.reason)}`);
  }
  if (state.reason) lines.push(`  ${red('reason')} ${state.reason}`);
  if (redraw) process.stdout.write('\u001b[2J\u001b[H');
  print(lines.join('\n'));
}

function formatWait(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m ${seconds % 60}s` : `${seconds}s`;
}
