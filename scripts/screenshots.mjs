#!/usr/bin/env node
// Screenshots of the web dashboard for docs/screenshots/ and the README: `npm run screenshots` (builds first).
//
// It starts a throwaway `sluice up` (on 127.0.0.1:4600/4601 when free, so the URLs in the pictures are the
// default ones; else on free ports) with a temporary home, and gives it realistic data:
// - the workshop example (examples/workshop, with alarms on its REST API as in DESIGN.md) deployed from the
//   CLI to dev, alice, staging and prod, then connected as a local git repository;
// - a preview from a pushed branch (checks, deploy, integration), merged to master, which deploys staging;
// - a push to prod: a run awaiting approval;
// - a canary of a new restapi version in staging at 20 %, with steady traffic on every stage;
// - secrets in the staging and prod profiles and a few API tokens (the pages are shot as `alice`, an admin).
// Then Debian's Chromium (/usr/bin/chromium, or SLUICE_CHROMIUM) saves each page — overview, stage, rollout,
// runs, run, settings — light and dark, at 1280×800 (wide) and 390×844 (narrow, the whole page) as
// docs/screenshots/<page>-<wide|narrow>-<light|dark>.png. Everything it started is stopped and removed.
//
// Environment: SCREENSHOTS_OUT (another folder), SCREENSHOTS_TRAFFIC_SECONDS (how long the canary takes
// traffic before the pictures, default 75, so the charts and alarms have datapoints), SCREENSHOTS_PAGES
// (a comma-separated subset of the page names), SCREENSHOTS_KEEP=1 (keep serving afterwards, until Ctrl+C).

// The callbacks given to page.evaluate and addInitScript run in the page, where these are defined:
/* global document, sessionStorage, requestAnimationFrame */

import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'sluice.js');
const OUT = process.env.SCREENSHOTS_OUT ?? join(ROOT, 'docs', 'screenshots');
const CHROMIUM = process.env.SLUICE_CHROMIUM || '/usr/bin/chromium';
const TRAFFIC_SECONDS = Number(process.env.SCREENSHOTS_TRAFFIC_SECONDS ?? 75);
const ONLY = process.env.SCREENSHOTS_PAGES ? new Set(process.env.SCREENSHOTS_PAGES.split(',')) : null;
const AUTHOR = { GIT_AUTHOR_NAME: 'Alice', GIT_AUTHOR_EMAIL: 'alice@example.com', GIT_COMMITTER_NAME: 'Alice', GIT_COMMITTER_EMAIL: 'alice@example.com' };
const FINISHED = ['succeeded', 'failed', 'canceled', 'rejected'];
const VARIANTS = [
  { name: 'wide-light', viewport: { width: 1280, height: 800 }, colorScheme: 'light', fullPage: true },
  { name: 'wide-dark', viewport: { width: 1280, height: 800 }, colorScheme: 'dark', fullPage: true },
  { name: 'narrow-light', viewport: { width: 390, height: 844 }, colorScheme: 'light', fullPage: true },
  { name: 'narrow-dark', viewport: { width: 390, height: 844 }, colorScheme: 'dark', fullPage: true },
];
const RESTAPI_ALARMS = `
deployment:
  alarms:
    - { metric: errorRate, threshold: 0.05, period: 10s, evaluationPeriods: 2, minInvocations: 10 }
    - { metric: p99Duration, relative: 1.5x +20ms, period: 10s, evaluationPeriods: 2, minInvocations: 10 }
`;

const run = promisify(execFile);
const log = (message) => process.stdout.write(`${message}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const cleanups = [];
process.once('SIGINT', () => {
  if (!process.env.SCREENSHOTS_KEEP) void cleanUp().then(() => process.exit(130));
});

try {
  await main();
} catch (error) {
  process.exitCode = 1;
  console.error(error instanceof Error ? error.stack : error);
} finally {
  await cleanUp();
}

async function cleanUp() {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error) => console.error(`cleanup: ${error}`));
}

async function main() {
  if (!existsSync(join(ROOT, 'dist', 'web', 'index.html'))) throw new Error('The dashboard is not built: run `npm run build` (or `npm run screenshots`, which builds first).');
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: \`apt-get install -y chromium\`, or set SLUICE_CHROMIUM.`);
  const dir = await mkdtemp(join(tmpdir(), 'sluice-screenshots-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const started = performance.now();

  const ports = (await isFree(4600)) && (await isFree(4601)) ? [4600, 4601] : [0, 0];
  const plane = await startControlPlane(join(dir, 'home'), ports);
  log(`control plane ${plane.api} (gateway ${plane.gateway})`);
  const api = client(plane.api);

  // The workshop, in a git repository whose commits are Alice's.
  const remote = join(dir, 'workshop.git');
  const work = join(dir, 'workshop');
  const git = async (...args) => (await run('git', args, { cwd: work, env: { ...process.env, ...AUTHOR } })).stdout.trim();
  await run('git', ['init', '--quiet', '--bare', '--initial-branch=master', remote]);
  await run('git', ['clone', '--quiet', remote, work]);
  await cp(join(ROOT, 'examples', 'workshop'), work, { recursive: true, filter: (source) => !source.includes('.sluice') });
  await appendFile(join(work, 'backend-restapi', 'sluice.yml'), RESTAPI_ALARMS);
  await writeFile(join(work, '.gitignore'), '.sluice/\n');
  await git('checkout', '--quiet', '-B', 'master');
  await git('add', '-A');
  await git('commit', '--quiet', '-m', 'The workshop app');
  await git('push', '--quiet', 'origin', 'master');

  // As Alice: the CLI names the local user to a control plane without tokens.
  const sluice = (...args) => run(process.execPath, [BIN, ...args], { cwd: work, env: { ...process.env, SLUICE_URL: plane.api, SLUICE_TOKEN: '', USER: 'alice', NO_COLOR: '1' }, maxBuffer: 16 * 1024 * 1024 });
  for (const [stage, services] of [['dev', []], ['alice', ['restapi', 'tasks']], ['staging', []], ['prod', []]]) {
    await sluice('deploy', '--stage', stage, ...services.flatMap((s) => ['--service', s]));
    log(`deployed ${stage}`);
  }
  for (const [profile, name] of [['staging', 'STRIPE_KEY'], ['prod', 'STRIPE_KEY'], ['prod', 'SENTRY_DSN']]) {
    await api.put(`/api/profiles/${profile}/secrets/${name}`, { value: `${profile}-${name}-${Math.random().toString(36).slice(2)}` });
  }
  const traffic = startTraffic(plane.gateway, ['dev', 'alice', 'staging', 'prod']);
  cleanups.push(() => traffic.stop());

  const { repository } = await api.post('/api/repositories', { app: 'workshop', kind: 'git', url: remote, pollIntervalMs: 0 });
  const notify = () => api.post(`/hooks/git/${repository.id}`, {});
  await waitForRun(api, (r) => r.branch === 'master', FINISHED, 'succeeded');
  log('connected the repository: master → staging');

  await git('checkout', '--quiet', '-b', 'feature/Greeting');
  const handler = join(work, 'backend-restapi', 'src', 'handler.ts');
  await writeFile(handler, (await readFile(handler, 'utf8')).replace('return { table: process.env.TABLE,', "return { greeting: 'hello from a preview', table: process.env.TABLE,"));
  await git('commit', '--quiet', '-am', 'Greet the callers');
  await git('push', '--quiet', 'origin', 'feature/Greeting');
  await notify();
  const preview = await waitForRun(api, (r) => r.branch === 'feature/Greeting', FINISHED, 'succeeded');
  log(`preview ${preview.stage}`);

  await git('checkout', '--quiet', 'master');
  await git('merge', '--quiet', '--no-ff', '-m', 'Merge feature/Greeting', 'feature/Greeting');
  const merge = await git('rev-parse', 'HEAD');
  await git('push', '--quiet', 'origin', 'master');
  await notify();
  await waitForRun(api, (r) => r.branch === 'master' && r.sha === merge, FINISHED, 'succeeded');
  log('merged: staging deployed');

  await git('checkout', '--quiet', '-B', 'prod');
  await git('push', '--quiet', 'origin', 'prod');
  await notify();
  const approval = await waitForRun(api, (r) => r.branch === 'prod', ['awaiting_approval', ...FINISHED], 'awaiting_approval');
  log(`prod run #${approval.number} awaits approval`);

  // The next change goes to staging as a canary, by hand, while traffic flows.
  await git('checkout', '--quiet', 'master');
  // (A change to code every function bundles, so each of them gets a new version.)
  const source = await readFile(handler, 'utf8');
  await writeFile(handler, source.replace("greeting: 'hello from a preview'", "greeting: 'hello from staging'").replace("headers: { 'content-type': 'application/json' }", "headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }"));
  await git('commit', '--quiet', '-am', 'Answers are not cached; a warmer greeting');
  await git('push', '--quiet', 'origin', 'master');
  await sluice('deploy', '--stage', 'staging', '--service', 'restapi', '--strategy', '{type: canary, percent: 20, interval: 15m}');
  const canaryStarted = Date.now();
  log('staging: canary of restapi at 20%');

  // Tokens end tokenless local access: created last, after every CLI call.
  const admin = (await api.post('/api/tokens', { name: 'alice', role: 'admin' })).token;
  const authed = client(plane.api, admin);
  for (const [name, role, profiles] of [['bob', 'approver', undefined], ['ci', 'deployer', ['dev', 'staging']], ['grafana', 'viewer', undefined]]) {
    await authed.post('/api/tokens', { name, role, ...(profiles ? { profiles } : {}) });
  }

  const wait = canaryStarted + TRAFFIC_SECONDS * 1000 - Date.now();
  if (wait > 0) {
    log(`letting traffic flow for ${Math.round(wait / 1000)} s, so charts and alarms have datapoints`);
    await sleep(wait);
  }

  const pages = [
    { name: 'overview', path: '/', ready: '.cell-link' },
    { name: 'stage', path: '/apps/workshop/stages/staging', ready: '.rollout-banner .traffic', charts: true },
    { name: 'rollout', path: '/apps/workshop/stages/staging/rollouts/restapi', ready: '.alarm-grid .alarm', charts: true },
    { name: 'runs', path: '/runs', ready: 'main table tbody tr' },
    { name: 'run', path: `/runs/${approval.id}`, ready: '#approval-title' },
    { name: 'settings', path: '/settings', ready: '.secret-row' },
  ].filter((page) => !ONLY || ONLY.has(page.name));
  await mkdir(OUT, { recursive: true });
  // Ctrl+C is ours: Playwright's own handler would exit before the control plane is stopped.
  const browser = await chromium.launch({ executablePath: CHROMIUM, handleSIGINT: false, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  cleanups.push(() => browser.close());
  for (const variant of VARIANTS) {
    const context = await browser.newContext({ baseURL: plane.api, viewport: variant.viewport, colorScheme: variant.colorScheme, deviceScaleFactor: 1 });
    await context.addInitScript((token) => sessionStorage.setItem('sluice.token', token), admin);
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error(`[${variant.name}] page error: ${error.message}`));
    for (const shot of pages) {
      await page.goto(shot.path);
      await page.locator(shot.ready).first().waitFor({ timeout: 15_000 });
      await settled(page, shot);
      const file = join(OUT, `${shot.name}-${variant.name}.png`);
      await page.screenshot({ path: file, fullPage: variant.fullPage, animations: 'disabled' });
      log(`saved ${file}`);
    }
    await context.close();
  }
  log(`done in ${Math.round((performance.now() - started) / 1000)} s`);
  if (process.env.SCREENSHOTS_KEEP) {
    log(`serving ${plane.api} until Ctrl+C; sign in with ${admin}`);
    await new Promise((resolve) => process.once('SIGINT', resolve));
  }
}

/** Nothing loading, the fonts in, the charts drawn, focus off the heading (its outline is for keyboards). */
async function settled(page, shot) {
  await page.waitForFunction(() => !document.querySelector('[aria-busy="true"], .loading'), undefined, { timeout: 15_000 });
  if (shot.charts) await page.locator('.uplot canvas').first().waitFor({ timeout: 15_000 });
  await page.evaluate(async () => {
    await document.fonts.ready;
    document.activeElement?.blur?.();
    // Two frames: the last layout and paint after the data arrived.
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  });
}

function isFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function startControlPlane(home, [port, gatewayPort]) {
  const child = spawn(process.execPath, [BIN, 'up', '--json', '--home', home, '--port', String(port), '--gateway-port', String(gatewayPort), '--log-level', 'warn'], {
    env: { ...process.env, SLUICE_URL: '', SLUICE_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => {
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`sluice up printed: ${line}\n${stderr}`));
      }
    });
    child.once('exit', (code) => reject(new Error(`sluice up exited with ${code}: ${stderr}`)));
  });
}

function client(base, token) {
  const call = async (method, path, body) => {
    const response = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : { 'x-sluice-user': 'alice' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const parsed = await response.json();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${parsed.error?.message ?? ''}`);
    return parsed;
  };
  return { get: (path) => call('GET', path), post: (path, body) => call('POST', path, body), put: (path, body) => call('PUT', path, body) };
}

/** Waits for the newest run matching `match` to reach one of `statuses`; it must end as `expected`. */
async function waitForRun(api, match, statuses, expected) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const found = (await api.get('/api/runs?app=workshop&limit=50')).runs.find(match);
    if (found && statuses.includes(found.status)) {
      if (found.status !== expected) throw new Error(`run #${found.number} (${found.branch}) is ${found.status}, expected ${expected}: ${found.reason}`);
      return found;
    }
    if (Date.now() > deadline) throw new Error('a run did not finish within 2 minutes');
    await sleep(250);
  }
}

/** A few calls a second on each stage's REST API: lists, reads, the odd missing item and unauthorized post. */
function startTraffic(gateway, stages) {
  let running = true;
  const loop = async (stage) => {
    const base = `${gateway}/workshop/${stage}/restapi`;
    for (let n = 0; running; n++) {
      const url = n % 7 === 3 ? `${base}/submissions/nope` : `${base}/submissions`;
      const init = n % 29 === 5 ? { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } } : undefined;
      await fetch(url, init).then((r) => r.arrayBuffer()).catch(() => undefined);
      await sleep(stage === 'staging' ? 40 : 120);
    }
  };
  const loops = stages.map(loop);
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
