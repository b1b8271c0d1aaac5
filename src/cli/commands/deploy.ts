// `sluice deploy`: bundles the app here, uploads it, streams progress, prints the URLs.

import type { Command } from 'commander';
import type { DeploymentRecord } from '../../store/index.js';
import type { DeployResult } from '../../engine/index.js';
import type { PackageOptions } from '../../engine/package-app.js';
import { SluiceError } from '../../errors/index.js';
import { ApiClient } from '../api-client.js';
import { appName, appRootOrFail, collect, parseKeyValues } from '../app-context.js';
import { currentCommit } from '../git-commit.js';
import { ago, bold, cyan, dim, green, print, printJson, progressLine, red, table, yellow } from '../output.js';

export function registerDeploy(program: Command): void {
  const command = program
    .command('deploy')
    .description('Deploy the app in this folder (or --dir) to a stage: bundle, publish changed versions, route traffic')
    .option('-s, --stage <stage>', 'stage to deploy to (default: dev)')
    .option('--service <name>', 'deploy only this service (repeatable, or comma-separated)', collect, [])
    .option('--param <key=value>', 'parameter override, wins over the profile (repeatable)', collect, [])
    .option('--strategy <strategy>', 'traffic shifting for this deploy, e.g. AllAtOnce, Canary10Percent5Minutes (wins over the manifest)')
    .option('--wait', 'wait until every rollout of the deploy has finished')
    .option('--dir <dir>', 'app folder holding sluice.app.yml (default: this folder or a parent)')
    .option('--no-bundle-cache', 'bundle every function anew instead of reusing unchanged bundles from .sluice/cache')
    .option('--json', 'print the result as JSON')
    .action(async (options: { stage?: string; service: string[]; param: string[]; strategy?: string; wait?: boolean; dir?: string; bundleCache: boolean; json?: boolean }) => {
      const result = await deploy(ApiClient.fromOptions(program.opts()), { ...options, stage: options.stage ?? 'dev', bundleCache: options.bundleCache ? 'reuse' : 'rebuild' });
      if (options.json) printJson(result);
      else printDeployResult(result);
      if (result.services.some((s) => s.rollout?.status === 'failed' || s.rollout?.status === 'aborted')) process.exitCode = 1;
    });

  command
    .command('list')
    .description('Show the deployment history: who deployed what, when, with which strategy and outcome')
    .option('--app <name>', 'app name (default: the app of sluice.app.yml here)')
    .option('-n, --limit <n>', 'number of deployments', '30')
    .action(async (_options: unknown, list: Command) => {
      const options = list.optsWithGlobals() as { stage?: string; service: string[]; app?: string; dir?: string; limit: string; json?: boolean };
      const query = new URLSearchParams({ limit: String(Number(options.limit) || 30) });
      if (options.stage) query.set('stage', options.stage);
      if (options.service?.[0]) query.set('service', options.service[0]);
      const { deployments } = await ApiClient.fromOptions(program.opts()).get<{ deployments: DeploymentRecord[] }>(`/api/apps/${appName(options)}/deployments?${query}`);
      if (options.json) return printJson(deployments);
      if (deployments.length === 0) return print(dim('No deployments yet.'));
      print(
        table(
          ['deployment', 'when', 'stage', 'service', 'strategy', 'status', 'by', 'changes'],
          deployments.map((d) => [d.id.slice(0, 8), ago(d.createdAt), d.stage, d.service, d.strategy, statusText(d.status), d.actor, d.changes.map((c) => c.function).join(', ') || '-']),
        ),
      );
    });
}

function statusText(status: DeploymentRecord['status']): string {
  return status === 'succeeded' ? green(status) : status === 'failed' || status === 'aborted' ? red(status) : status === 'running' ? yellow(status) : status;
}

export async function deploy(
  client: ApiClient,
  options: { stage: string; service?: string[]; param?: string[]; strategy?: string; wait?: boolean; dir?: string; json?: boolean; quiet?: boolean; bundleCache?: PackageOptions['cache'] },
): Promise<DeployResult> {
  const root = appRootOrFail(options.dir);
  const params = parseKeyValues(options.param ?? [], '--param');
  const say = options.json || options.quiet ? () => undefined : progressLine;
  say(`Bundling ${root}`);
  const { packageApp } = await import('../../engine/package-app.js');
  const [pkg, commitSha] = await Promise.all([packageApp(root, options.service ?? [], { cache: options.bundleCache ?? 'reuse' }), currentCommit(root)]);
  say(`Uploading ${Object.keys(pkg.functionCode).length} function(s) to ${client.server}`);
  let result: DeployResult | undefined;
  await client.stream(`/api/apps/${pkg.app}/deploy?stream=1`, {
    stage: options.stage,
    services: options.service ?? [],
    params,
    strategy: options.strategy,
    wait: options.wait ?? false,
    actor: process.env.USER ?? 'local',
    commitSha,
    sources: pkg.sources,
    bundles: Object.fromEntries(Object.entries(pkg.bundles).map(([hash, code]) => [hash, code.toString('base64')])),
    functionCode: pkg.functionCode,
  }, (line) => {
    if (line.type === 'progress') say(String(line.message));
    else if (line.type === 'result') result = line.result as DeployResult;
    else if (line.type === 'error') throw Object.assign(new Error(String((line.error as { message: string }).message)), { body: line.error });
  });
  if (!result) throw new SluiceError('INTERNAL', 'The control plane ended the deploy without a result.');
  return result;
}

export function printDeployResult(result: DeployResult): void {
  print();
  print(result.changed ? green(`✔ Deployed ${result.app} to stage ${bold(result.stage)} (profile ${result.profile})`) : `${bold('No changes')}: ${result.app} stage ${result.stage} is up to date`);
  const rows = result.services.flatMap((s) =>
    s.functions.map((f) => [s.service, f.name, `v${f.version}${f.changed ? green(' new') : ''}`, [...f.endpoints, ...f.schedules].join('\n') || dim('-')]),
  );
  print(table(['service', 'function', 'version', 'endpoints'], rows.flatMap((row) => splitMultiline(row))));
  const outputs = result.services.flatMap((s) => Object.entries(s.outputs).map(([k, v]) => [s.service, k, v]));
  if (outputs.length > 0) {
    print();
    print(table(['service', 'output', 'value'], outputs));
  }
  const rollouts = result.services.filter((s) => s.rollout);
  if (rollouts.length > 0) {
    print();
    for (const s of rollouts) {
      const r = s.rollout!;
      const state = r.status === 'active' ? yellow(`in progress at ${r.weight}%`) : r.status === 'succeeded' ? green('succeeded') : red(r.status);
      print(`${bold(s.service)} rollout ${r.strategy}: ${state}${r.reason ? ` — ${r.reason}` : ''}`);
    }
    if (rollouts.some((s) => s.rollout!.status === 'active')) print(dim(`Follow it with \`sluice rollout watch --stage ${result.stage}\`.`));
  }
  print();
  for (const s of result.services) print(`${cyan(s.url)}  ${dim(s.service)}`);
}

function splitMultiline(row: string[]): string[][] {
  const parts = row.map((cell) => cell.split('\n'));
  const height = Math.max(...parts.map((p) => p.length));
  return Array.from({ length: height }, (_, i) => parts.map((p, c) => (i === 0 ? p[0]! : c === parts.length - 1 ? p[i] ?? '' : '')));
}
