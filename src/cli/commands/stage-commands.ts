// `sluice info`, `sluice remove`, `sluice stages`: what a stage looks like, removing it, listing stages.

import type { Command } from 'commander';
import type { RemoveResult, StageInfo } from '../../engine/index.js';
import type { StageRecord } from '../../store/index.js';
import { ApiClient } from '../api-client.js';
import { appName } from '../app-context.js';
import { ago, bold, cyan, dim, green, print, printJson, progressLine, table } from '../output.js';

interface AppOptions {
  stage: string;
  app?: string;
  dir?: string;
  json?: boolean;
}

export function registerStageCommands(program: Command): void {
  const client = () => ApiClient.fromOptions(program.opts());

  program
    .command('info')
    .description('Show a stage: per service its URL, functions, endpoints, live versions and outputs')
    .requiredOption('-s, --stage <stage>', 'stage to show')
    .option('--app <name>', 'app name (default: the app of sluice.app.yml here)')
    .option('--dir <dir>', 'app folder holding sluice.app.yml')
    .option('--json', 'print as JSON')
    .action(async (options: AppOptions) => {
      const info = await client().get<StageInfo>(`/api/apps/${appName(options)}/stages/${encodeURIComponent(options.stage)}`);
      if (options.json) return printJson(info);
      printStageInfo(info);
    });

  program
    .command('remove')
    .description('Remove a stage and every trace of it: routes, workers, versions nothing else uses, outputs, tables')
    .requiredOption('-s, --stage <stage>', 'stage to remove')
    .option('--app <name>', 'app name (default: the app of sluice.app.yml here)')
    .option('--dir <dir>', 'app folder holding sluice.app.yml')
    .option('--json', 'print the result as JSON')
    .action(async (options: AppOptions) => {
      const app = appName(options);
      if (!options.json) progressLine(`Removing stage ${options.stage} of ${app}`);
      const result = await client().delete<RemoveResult>(`/api/apps/${app}/stages/${encodeURIComponent(options.stage)}`);
      if (options.json) return printJson(result);
      print(green(`✔ Removed stage ${bold(result.stage)} of ${result.app}`));
      print(dim(`  services: ${result.services.join(', ') || '-'}; tables dropped: ${result.tablesDropped.length}; versions deleted: ${result.versionsDeleted}`));
    });

  program
    .command('stages')
    .description('List every deployed stage with its profile and last deploy')
    .option('--app <name>', 'only this app')
    .option('--json', 'print as JSON')
    .action(async (options: { app?: string; json?: boolean }) => {
      const { stages } = await client().get<{ stages: StageRecord[] }>(`/api/stages${options.app ? `?app=${encodeURIComponent(options.app)}` : ''}`);
      if (options.json) return printJson(stages);
      if (stages.length === 0) return print(dim('No stages deployed yet. Deploy one with `sluice deploy --stage NAME`.'));
      print(table(['app', 'stage', 'profile', 'kind', 'last deploy'], stages.map((s) => [s.app, s.name, s.profile, s.kind, ago(s.lastDeployAt)])));
    });
}

export function printStageInfo(info: StageInfo): void {
  print(`${bold(info.app)} / stage ${bold(info.stage)}  ${dim(`profile ${info.profile} · last deploy ${ago(info.lastDeployAt)}`)}`);
  for (const service of info.services) {
    print();
    print(`${bold(service.service)}  ${cyan(service.url)}`);
    const rows = service.functions.flatMap((f) => {
      const live = f.live.map((t) => `v${t.version}${f.live.length > 1 ? ` ${t.weight}%` : ''}`).join(' + ');
      const lines = [...f.endpoints, ...f.schedules];
      return (lines.length ? lines : ['-']).map((line, i) => (i === 0 ? [f.name, live, line] : ['', '', line]));
    });
    print(table(['function', 'live', 'endpoint'], rows));
    const outputs = Object.entries(service.outputs);
    if (outputs.length) print(table(['output', 'value'], outputs));
  }
}
