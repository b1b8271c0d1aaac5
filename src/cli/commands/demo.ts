// `sluice demo`: the whole local workflow on the workshop example, narrated. It starts a control plane on
// the embedded SQLite store, deploys the shared dev environment, a developer's stage, staging and prod,
// calls each over HTTP, then drives the same app from a local git repository (preview, merge to staging,
// approved promotion to prod, preview destroyed with its branch), and prints a summary with the URLs.

import type { Command } from 'commander';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DeployResult } from '../../engine/index.js';
import type { InvokeOutcome } from '../../server/index.js';
import { packagePath } from '../../package-root.js';
import { ApiClient } from '../api-client.js';
import { deploy } from './deploy.js';
import { pipelineDemo } from './demo-pipeline.js';
import { bold, cyan, dim, green, print, red, table } from '../output.js';

const EXAMPLE = packagePath('examples', 'workshop');

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Run the workshop example end to end on this machine: dev, a developer stage, staging, prod, then previews and promotion driven by git pushes')
    .option('--home <dir>', 'data directory (default: a fresh temporary folder)')
    .option('--developer <name>', "name of the developer's stage", 'alice')
    .option('--port <port>', 'API port (default: any free port)', '0')
    .option('--gateway-port <port>', 'gateway port (default: any free port)', '0')
    .option('--keep', 'keep serving after the demo until Ctrl+C')
    .action(async (options: { home?: string; developer: string; port: string; gatewayPort: string; keep?: boolean }) => {
      await runDemo(options);
    });
}

async function runDemo(options: { home?: string; developer: string; port: string; gatewayPort: string; keep?: boolean }): Promise<void> {
  const home = options.home ? resolve(options.home) : await mkdtemp(join(tmpdir(), 'sluice-demo-'));
  print(bold('Sluice demo') + dim(' — the workshop app from the Serverless CI/CD guide, on one machine, no cloud account'));
  print();
  const started = performance.now();
  const { startControlPlane } = await import('../../composition/index.js');
  // The narration is the demo's output: only warnings and errors of the JSON logs join it (on stderr).
  const plane = await startControlPlane({ home, port: Number(options.port), gatewayPort: Number(options.gatewayPort), env: {}, logLevel: 'warn' });
  try {
    print(`${step(0)} Control plane up in ${ms(started)} ${dim(`(store: ${plane.store.dialect}, home: ${home})`)}`);
    print(`    API ${cyan(plane.apiUrl)}   gateway ${cyan(plane.gatewayUrl)}`);
    const client = new ApiClient(plane.apiUrl, undefined);
    const deployments: DeployResult[] = [];
    const deployStage = async (n: number, stage: string, services: string[], why: string) => {
      const t = performance.now();
      const result = await deploy(client, { dir: EXAMPLE, stage, service: services, quiet: true });
      deployments.push(result);
      const versions = result.services.flatMap((s) => s.functions).length;
      print(`${step(n)} ${bold(stage)} ${dim(`(profile ${result.profile})`)}: deployed ${result.services.map((s) => s.service).join(', ')} — ${versions} function version(s) in ${ms(t)}`);
      print(`    ${dim(why)}`);
      return result;
    };

    await deployStage(1, 'dev', [], 'The shared development environment: its database owns the dev submissions table.');
    const dev = options.developer;
    await deployStage(2, dev, ['restapi', 'tasks'], `${dev}'s own stage: no stage entry in sluice.app.yml, so profile dev — its restapi reads the dev table through \${output::\${param:env}::database.tableName}.`);
    await deployStage(3, 'staging', [], 'Staging: profile staging, its own table and api_key.');
    await deployStage(4, 'prod', [], 'Production: profile prod, its own table and api_key.');

    const url = (stage: string) => deployments.find((d) => d.stage === stage)!.services.find((s) => s.service === 'restapi')!.url;
    print();
    print(`${step(5)} Calling the stages over HTTP`);
    const created = await call('POST', `${url(dev)}/submissions`, { name: dev, message: 'hello from a developer stage' }, '23423-dev');
    line(`POST ${url(dev)}/submissions`, created.status, `stored ${(created.body as { id?: string }).id ?? '?'}`);
    const devList = await call('GET', `${url('dev')}/submissions`);
    const devBody = devList.body as { table: string; count: number; items: Array<{ name: string }> };
    line(`GET  ${url('dev')}/submissions`, devList.status, `${devBody.count} item(s) in ${devBody.table}, ${devBody.items.some((i) => i.name === dev) ? `including ${dev}'s` : red(`missing ${dev}'s`)}`);
    const stagingList = await call('GET', `${url('staging')}/submissions`);
    const stagingBody = stagingList.body as { table: string; count: number };
    line(`GET  ${url('staging')}/submissions`, stagingList.status, `${stagingBody.count} item(s) in ${stagingBody.table} — separate from dev`);
    const unauthorized = await call('POST', `${url('prod')}/submissions`, { name: 'mallory' }, 'wrong-key');
    line(`POST ${url('prod')}/submissions (wrong key)`, unauthorized.status, 'refused: prod checks its own api_key');
    for (const stage of ['staging', 'prod']) {
      const outcome = await client.post<InvokeOutcome>(`/api/apps/workshop/stages/${stage}/functions/report/invoke`, { event: { source: 'sluice demo' } });
      const result = outcome.result as { status?: number } | undefined;
      line(`invoke tasks.report on ${stage}`, result?.status ?? 0, `the scheduled task reached ${stage}'s restapi with its profile's api_key`);
    }

    print();
    const again = performance.now();
    const unchanged = await deploy(client, { dir: EXAMPLE, stage: 'dev', quiet: true });
    print(`${step(6)} Redeploying dev without changes: ${unchanged.changed ? red('changed?') : green('no changes')}, no new version, ${ms(again)}`);

    print();
    print(bold('Git-driven delivery') + dim(' — the same app in a git repository; pushes drive the stages'));
    await pipelineDemo(plane, EXAMPLE, 7);

    print();
    print(bold('Summary'));
    print(
      table(
        ['stage', 'profile', 'restapi URL', 'table'],
        deployments.map((d) => [d.stage, d.profile, d.services.find((s) => s.service === 'restapi')?.url ?? '-', d.stage === dev ? 'workshop-dev-submissions (shared)' : `workshop-${d.stage}-submissions`]),
      ),
    );
    print();
    if (options.keep) {
      print(`Serving until Ctrl+C. Try: ${cyan(`curl ${url(dev)}/submissions`)}`);
      print(dim(`  sluice info --stage ${dev} --app workshop --server ${plane.apiUrl}`));
      await new Promise<void>((done) => process.once('SIGINT', () => done()));
    } else {
      print(dim('The demo stopped its control plane. `npm run demo -- --keep` keeps it serving so you can call the URLs.'));
    }
  } finally {
    await plane.close();
    if (!options.home) await rm(home, { recursive: true, force: true });
  }
}

async function call(method: string, url: string, body?: unknown, apiKey?: string): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (apiKey) headers['x-api-key'] = apiKey;
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, body: parsed };
}

function line(what: string, status: number, note: string): void {
  const badge = status >= 200 && status < 300 ? green(String(status)) : status === 401 ? bold(String(status)) : red(String(status));
  print(`    ${badge}  ${what}  ${dim(note)}`);
}

const step = (n: number) => bold(`${n}.`);
const ms = (since: number) => `${Math.round(performance.now() - since)} ms`;
