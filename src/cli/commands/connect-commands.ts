// `sluice connect git|github|list|remove` and `sluice ci init github`: connect an app's repository so pushes
// and pull requests start pipeline runs (a watched git remote, poked by a post-receive hook, or GitHub
// webhooks), and, for teams that run the pipeline from CI instead, write its GitHub Actions workflows.

import { existsSync, realpathSync, statSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { SluiceError } from '../../errors/index.js';
import type { RepositoryRecord } from '../../store/index.js';
import { ApiClient } from '../api-client.js';
import { appName, appRootOrFail } from '../app-context.js';
import { bold, cyan, dim, green, print, printJson, table, yellow } from '../output.js';

/** A repository as the API shows it: never its webhook secret, only whether one is set. */
type PublicRepository = Omit<RepositoryRecord, 'webhookSecret'> & { webhookSecretSet: boolean };

interface ConnectResponse {
  repository: PublicRepository;
  /** Only when the GitHub connection was created now. */
  webhookSecret: string | null;
  notifyUrl: string;
  webhookUrl: string;
}

interface ConnectOptions {
  app?: string;
  appDir?: string;
  json?: boolean;
}

/** The comment line `postReceiveHookScript` writes: a hook carrying it is Sluice's to replace. */
const SLUICE_HOOK_MARKER = 'Installed by Sluice';
const GITHUB_REPO = /^[\w.-]+\/[\w.-]+$/;
const MAX_INTERVAL_MS = 24 * 3600_000;
const CI_SECRETS = [
  { name: 'SLUICE_URL', value: 'the control plane\'s URL, reachable from GitHub\'s runners' },
  { name: 'SLUICE_TOKEN', value: 'a deployer token: sluice tokens create --name github-actions --role deployer' },
];

export function registerConnectCommands(program: Command): void {
  const client = () => ApiClient.fromOptions(program.opts());
  const connect = program.command('connect').description('Connect an app\'s repository: pushes and pull requests start pipeline runs');

  connect
    .command('git')
    .description('Watch a git repository: a new commit on a branch starts a run (checks, preview or deploy, per the manifest\'s pipeline:)')
    .argument('<repository>', 'clone URL (https://, ssh://, git://, file://, user@host:path) or a local path, made absolute here')
    .option('--app <name>', 'app name (default: the app of sluice.app.yml here)')
    .option('--app-dir <dir>', 'folder inside the repository holding sluice.app.yml (default: its root)')
    .option('--interval <duration>', 'how often the branches are listed, e.g. 30s, 5m (at most 24h); 0 = only when the notify URL is called (default 30s)')
    .option('--install-hook', 'for a local repository: install hooks/post-receive calling the notify URL on every push')
    .option('--json', 'print the repository and its URLs as JSON')
    .action(async (repository: string, options: ConnectOptions & { interval?: string; installHook?: boolean }) => {
      const app = appName(options);
      const url = absoluteIfLocal(repository);
      const hooksDir = options.installHook ? hooksFolder(url) : undefined;
      const pollIntervalMs = options.interval === undefined ? undefined : await parseInterval(options.interval);
      const result = await client().post<ConnectResponse>('/api/repositories', { app, kind: 'git', url, appDir: options.appDir, pollIntervalMs });
      const hook = hooksDir ? await installHook(hooksDir, result) : null;
      if (options.json) return printJson({ ...result, hook });
      const { repository: repo } = result;
      const interval = repo.pollIntervalMs > 0 ? `listing its branches every ${await formatInterval(repo.pollIntervalMs)}` : 'looking at it when notified';
      print(green(`✔ ${repo.createdAt === repo.updatedAt ? 'Connected' : 'Updated'} ${bold(repo.url)} to app ${bold(repo.app)} as repository ${bold(repo.id)}`) + dim(` (${interval})`));
      print(`  ${dim('notify URL')} ${cyan(result.notifyUrl)}`);
      print();
      if (hook) print(green(`✔ Installed ${hook}: every push now calls the notify URL.`));
      else {
        print('Start runs right after each push: call the notify URL from the repository\'s hooks/post-receive,');
        print(`  ${notifyCommand(result.notifyUrl)}`);
        print(dim('or, for a repository on this machine, run this command again with --install-hook.'));
      }
      print(dim(`\`sluice runs --app ${repo.app}\` lists the runs pushes start.`));
    });

  connect
    .command('github')
    .description('Receive GitHub webhooks for a repository: pushes, pull requests and branch deletions start runs')
    .requiredOption('--repo <owner/name>', 'the GitHub repository, e.g. acme/shop')
    .option('--url <clone-url>', 'where the control plane fetches it from (default: https://github.com/OWNER/NAME.git)')
    .option('--app <name>', 'app name (default: the app of sluice.app.yml here)')
    .option('--app-dir <dir>', 'folder inside the repository holding sluice.app.yml (default: its root)')
    .option('--json', 'print the repository, the webhook URL and (when new) its secret as JSON')
    .action(async (options: ConnectOptions & { repo: string; url?: string }) => {
      if (!GITHUB_REPO.test(options.repo)) {
        throw new SluiceError('INVALID_ARGUMENT', `--repo expects OWNER/NAME, got "${options.repo}".`, { hint: 'For https://github.com/acme/shop write --repo acme/shop.' });
      }
      const app = appName(options);
      const url = options.url === undefined ? `https://github.com/${options.repo}.git` : absoluteIfLocal(options.url);
      const result = await client().post<ConnectResponse>('/api/repositories', { app, kind: 'github', githubRepo: options.repo, url, appDir: options.appDir });
      if (options.json) return printJson(result);
      const { repository: repo } = result;
      print(green(`✔ Connected GitHub repository ${bold(options.repo)} to app ${bold(repo.app)} as repository ${bold(repo.id)}`));
      print();
      print(`Add a webhook on GitHub (repository Settings → Webhooks → Add webhook):`);
      print(`  ${dim('Payload URL ')} ${cyan(result.webhookUrl)}`);
      print(`  ${dim('Content type')} application/json`);
      if (result.webhookSecret) print(`  ${dim('Secret      ')} ${bold(result.webhookSecret)}  ${yellow('shown only now; Sluice keeps it encrypted')}`);
      else print(`  ${dim('Secret      ')} the one printed when the repository was first connected ${dim(`(to rotate it: sluice connect remove ${repo.id}, then connect again)`)}`);
      print(`  ${dim('Events      ')} Pushes, Pull requests, Branch or tag deletion ${dim('(push, pull_request, delete)')}`);
      if (isLoopback(result.webhookUrl)) {
        print(yellow(`GitHub cannot reach ${new URL(result.webhookUrl).host}: start \`sluice up\` with SLUICE_PUBLIC_URL set to an address it can reach.`));
      }
      print();
      print(dim('Commit statuses and preview links on pull requests: start `sluice up` with SLUICE_GITHUB_TOKEN (and SLUICE_GITHUB_API_URL for GitHub Enterprise).'));
    });

  connect
    .command('list')
    .description('List connected repositories: id, app, kind, URL, app folder, poll interval, notify URL')
    .option('--app <name>', 'only this app')
    .option('--json', 'print as JSON')
    .action(async (options: { app?: string; json?: boolean }) => {
      const query = options.app ? `?app=${encodeURIComponent(options.app)}` : '';
      const { repositories } = await client().get<{ repositories: Array<PublicRepository & { notifyUrl: string; webhookUrl: string }> }>(`/api/repositories${query}`);
      if (options.json) return printJson(repositories);
      if (repositories.length === 0) return print(dim('No repositories connected. Connect one with `sluice connect git URL` or `sluice connect github --repo OWNER/NAME`.'));
      const rows = [];
      for (const r of repositories) {
        const interval = r.pollIntervalMs > 0 ? await formatInterval(r.pollIntervalMs) : r.kind === 'github' ? 'webhooks' : 'on notify';
        rows.push([r.id, r.app, r.kind === 'github' ? `github ${r.githubRepo ?? ''}` : r.kind, r.url, r.appDir, interval, r.notifyUrl]);
      }
      print(table(['id', 'app', 'kind', 'url', 'app dir', 'poll interval', 'notify URL'], rows));
    });

  connect
    .command('remove')
    .description('Disconnect a repository: pushes no longer start runs (the runs already made stay listed)')
    .argument('<id>', 'repository id, from `sluice connect list`')
    .option('--json', 'print the removed repository as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const { repository } = await client().delete<{ repository: PublicRepository }>(`/api/repositories/${encodeURIComponent(id)}`);
      if (options.json) return printJson(repository);
      print(green(`✔ Disconnected repository ${bold(repository.id)} (${repository.url}) from app ${repository.app}`));
    });

  const ci = program.command('ci').description('Run the pipeline from a CI service instead of from webhooks');
  ci
    .command('init')
    .description('Write CI configuration for the app')
    .command('github')
    .description('Write GitHub Actions workflows for the pipeline of sluice.app.yml (checks, a preview per pull request, branch deploys, promotions); works offline')
    .option('--dir <dir>', 'app folder holding sluice.app.yml (default: this folder or a parent); .github/workflows is written at the root of its git repository')
    .option('--force', 'overwrite workflow files that exist')
    .option('--json', 'print the files written and the repository secrets to add as JSON')
    .action(async (options: { dir?: string; force?: boolean; json?: boolean }) => {
      const root = appRootOrFail(options.dir);
      const [{ parseApp, readManifestSources }, { githubActionsWorkflows }] = await Promise.all([import('../../manifest/index.js'), import('../../pipeline/index.js')]);
      const { app } = parseApp(await readManifestSources(root));
      // GitHub reads workflows only at the repository's root: an app in a folder of it (a monorepo) gets
      // workflows there that run in its folder.
      const repository = await repositoryRoot(root);
      const appDir = relative(repository, realpathSync(root)).split(sep).join('/');
      const files = githubActionsWorkflows({ app: app.app, appDir, checks: app.pipeline?.checks ?? [], previews: app.pipeline?.previews ?? null, branches: app.pipeline?.branches ?? {} });
      const existing = files.filter((file) => existsSync(join(repository, file.path))).map((file) => file.path);
      if (existing.length > 0 && !options.force) {
        throw new SluiceError('INVALID_ARGUMENT', `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''} in ${repository}.`, {
          hint: 'Pass --force to overwrite: the workflows are generated, so regenerate them rather than edit them.',
        });
      }
      for (const file of files) {
        await mkdir(dirname(join(repository, file.path)), { recursive: true });
        await writeFile(join(repository, file.path), file.text);
      }
      if (options.json) return printJson({ root: repository, appDir, files: files.map((f) => f.path), secrets: CI_SECRETS });
      print(green(`✔ Wrote ${files.length} GitHub Actions workflow${files.length === 1 ? '' : 's'} for app ${bold(app.app)} in ${repository}`));
      if (appDir) print(dim(`  They run in ${appDir}/, for changes under it.`));
      for (const file of files) print(`  ${file.path}${existing.includes(file.path) ? dim(' (overwritten)') : ''}`);
      if (!app.pipeline) print(yellow('sluice.app.yml has no pipeline: section, so pull requests only get `npm ci`. Add checks, previews and branches, then run this again with --force.'));
      print();
      print('Add these repository secrets (Settings → Secrets and variables → Actions):');
      print(table(['secret', 'value'], CI_SECRETS.map((s) => [s.name, s.value])));
      print(dim('The workflows run `npx --no sluice`: add sluice to the project\'s devDependencies.'));
    });
}

/** The root of the git repository holding `dir`; `dir` itself when it is in none. */
async function repositoryRoot(dir: string): Promise<string> {
  const { runGit } = await import('../../pipeline/git/index.js');
  try {
    const { stdout } = await runGit(['rev-parse', '--show-toplevel'], { cwd: dir, timeoutMs: 10_000 });
    const top = stdout.trim();
    if (top) return realpathSync(top);
  } catch {
    // not a git repository (or no git): the workflows go next to sluice.app.yml
  }
  return realpathSync(dir);
}

/** A path (no colon, as the server tells them from URLs) made absolute against this folder, not the server's. */
function absoluteIfLocal(url: string): string {
  return url.includes(':') ? url : resolve(url);
}

/** Where a local repository keeps its hooks: `PATH/hooks` for a bare one, `PATH/.git/hooks` for a clone. */
function hooksFolder(url: string): string {
  const path = url.startsWith('file://') ? fileURLToPath(url) : url.includes(':') ? undefined : url;
  if (path === undefined) {
    throw new SluiceError('INVALID_ARGUMENT', `--install-hook needs a repository on this machine, not ${url}.`, {
      hint: 'On the machine holding the repository, call the notify URL from its hooks/post-receive (`sluice connect list` shows it).',
    });
  }
  if (isDirectory(join(path, '.git'))) return join(path, '.git', 'hooks');
  if (existsSync(join(path, 'HEAD')) && isDirectory(join(path, 'objects'))) return join(path, 'hooks');
  throw new SluiceError('INVALID_ARGUMENT', `${path} is not a git repository (neither bare nor a clone with a .git folder).`, {
    hint: 'Give the path of the repository people push to, e.g. the folder made by `git init --bare`.',
  });
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** Writes the post-receive hook (mode 0755), replacing only a hook Sluice installed before. */
async function installHook(hooksDir: string, connected: ConnectResponse): Promise<string> {
  const hook = join(hooksDir, 'post-receive');
  const existing = await readFile(hook, 'utf8').catch(() => undefined);
  if (existing !== undefined && !existing.includes(SLUICE_HOOK_MARKER)) {
    throw new SluiceError('CONFLICT', `Connected repository ${connected.repository.id}, but left ${hook} alone: it exists and was not installed by Sluice.`, {
      hint: `Add this line to it: ${notifyCommand(connected.notifyUrl)}  (or move it away and run the command again).`,
    });
  }
  const { postReceiveHookScript } = await import('../../pipeline/index.js');
  await mkdir(hooksDir, { recursive: true });
  await writeFile(hook, postReceiveHookScript(connected.notifyUrl), { mode: 0o755 });
  await chmod(hook, 0o755);
  return hook;
}

function notifyCommand(notifyUrl: string): string {
  return `curl -fsS -m 10 -X POST '${notifyUrl}' </dev/null >/dev/null 2>&1 &`;
}

async function parseInterval(text: string): Promise<number> {
  if (/^\s*0+\s*$/.test(text)) return 0;
  const { readPipelineDurationMs } = await import('../../manifest/index.js');
  const ms = readPipelineDurationMs(text);
  if (ms === undefined || ms > MAX_INTERVAL_MS) {
    throw new SluiceError('INVALID_ARGUMENT', `--interval expects a duration like 30s, 5m or 1h (at most 24h), or 0; got "${text}".`, {
      hint: 'With 0 the repository is looked at only when its notify URL is called (see --install-hook).',
    });
  }
  return ms;
}

async function formatInterval(ms: number): Promise<string> {
  const { formatDuration } = await import('../../manifest/index.js');
  return formatDuration(ms);
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}
