// `npm run bench -- preview`: how fast git-driven delivery turns pushes into running stages, on the example
// app (examples/workshop) in a local bare repository connected with `sluice connect git`, the push announced
// by the notify hook a post-receive hook calls:
// - push of a new branch → its preview answering 200 (total, and without the app's own checks, which the
//   user writes);
// - deletion of the branch → the preview's stage gone (the stage removed and its URL answering 404);
// - merge to master → staging serving the new code.
// Peer in the same run: the same change deployed by hand with `sluice deploy` from a clone (what a developer
// does without a pipeline), so the pipeline's own overhead shows as a ratio.
// Three rounds, each on a fresh home and repository; medians.
//
// Options: --rounds N

import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { get, removeOnExit, sleep, stopAll, waitFor200 } from './lib/processes.js';
import { cell, goalRow, median, printJsonLine, progress, ratio, round, table, times } from './lib/report.js';
import { ROOT, deploy, startSluice } from './lib/sluice.js';

const run = promisify(execFile);
const EXAMPLE = join(ROOT, 'examples', 'workshop');
const HANDLER = join('backend-restapi', 'src', 'handler.ts');
const MARK_FROM = 'return { table: process.env.TABLE,';
const IDENTITY = { GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
const GOALS = { pushToPreviewMs: 5000, deleteToGoneMs: 2000, mergeToStagingMs: 5000 };

export async function previewBench(argv = []) {
  const { values } = parseArgs({ args: argv, options: { rounds: { type: 'string', default: '3' } } });
  const work = await mkdtemp(join(tmpdir(), 'sluice-bench-preview-'));
  removeOnExit(work);
  const rounds = [];
  let failure;
  try {
    for (let i = 1; i <= Number(values.rounds); i++) rounds.push(await previewRound(work, i));
  } catch (error) {
    failure = error.message.split('\n')[0];
    progress(`preview bench failed: ${error.message}`);
  } finally {
    await stopAll();
    await rm(work, { recursive: true, force: true });
  }
  return report(rounds, failure);
}

async function previewRound(work, roundNumber) {
  const home = join(work, `home-${roundNumber}`);
  const remote = join(work, `remote-${roundNumber}.git`);
  const clone = join(work, `clone-${roundNumber}`);
  const git = async (...args) => (await run('git', args, { cwd: clone, env: { ...process.env, ...IDENTITY } })).stdout.trim();
  await run('git', ['init', '--quiet', '--bare', '--initial-branch=master', remote]);
  await run('git', ['clone', '--quiet', remote, clone]);
  await cp(EXAMPLE, clone, { recursive: true, filter: (source) => !source.includes('.sluice') && !source.includes('node_modules') });
  await git('checkout', '--quiet', '-B', 'master');
  await git('add', '-A');
  await git('commit', '--quiet', '-m', 'Workshop');
  await git('push', '--quiet', 'origin', 'master');

  const sluice = await startSluice({ home, log: progress });
  const api = sluice.ready.api;
  const gateway = sluice.ready.gateway;
  try {
    // Previews share the dev environment's database (as in the seeds): a developer deployed dev before.
    await deploy({ appDir: clone, api, stage: 'dev' });
    const repo = await call(api, 'POST', '/api/repositories', { app: 'workshop', kind: 'git', url: remote, pollIntervalMs: 0 });
    const notify = () => call(api, 'POST', `/hooks/git/${repo.repository.id}`);
    await waitForRuns(api, (runs) => runs.some((r) => r.branch === 'master' && r.status === 'succeeded'), 'the first staging deploy');

    // 1. A new branch with a change, pushed: its preview answers.
    const branch = `feature/bench-${roundNumber}`;
    const stage = `feature-bench-${roundNumber}`;
    const edition = `bench-${roundNumber}`;
    await git('checkout', '--quiet', '-b', branch);
    const handler = join(clone, HANDLER);
    const source = await readFile(handler, 'utf8');
    if (!source.includes(MARK_FROM)) throw new Error(`${HANDLER} no longer contains "${MARK_FROM}"; update bench/preview.js`);
    await writeFile(handler, source.replace(MARK_FROM, `return { edition: '${edition}', table: process.env.TABLE,`));
    await git('commit', '--quiet', '-am', `Edition ${edition}`);
    const previewUrl = `${gateway}/workshop/${stage}/restapi/submissions`;
    const pushedAt = performance.now();
    await git('push', '--quiet', 'origin', branch);
    await notify();
    const previewAt = await waitFor200(previewUrl, { timeoutMs: 60_000 });
    const previewRun = await waitForRuns(api, (runs) => runs.find((r) => r.branch === branch && r.status === 'succeeded'), 'the preview run');
    // The checks run before the deploy; the integration step after the preview answers, so it is not in the figure.
    const userStepsMs = stepMs(previewRun, 'checks');

    // Peer: the same commit deployed by hand from the clone.
    const manual = await deploy({ appDir: clone, api, stage: `manual-${roundNumber}` });

    // 2. Merge to master: staging serves the new code.
    await git('checkout', '--quiet', 'master');
    await git('merge', '--quiet', '--no-ff', '-m', `Merge ${branch}`, branch);
    const mergedAt = performance.now();
    await git('push', '--quiet', 'origin', 'master');
    await notify();
    const stagingAt = await waitForBody(`${gateway}/workshop/staging/restapi/submissions`, (body) => body.includes(`"edition":"${edition}"`));

    // 3. The branch deleted: the preview's stage is gone.
    const deletedAt = performance.now();
    await git('push', '--quiet', 'origin', '--delete', branch);
    await notify();
    const goneAt = await waitForGone(api, gateway, stage);

    const figures = {
      pushToPreviewMs: previewAt - pushedAt - userStepsMs,
      pushToPreviewTotalMs: previewAt - pushedAt,
      userStepsMs,
      manualDeployMs: manual.ms,
      deleteToGoneMs: goneAt - deletedAt,
      mergeToStagingMs: stagingAt - mergedAt,
    };
    progress(`round ${roundNumber}: push → preview ${Math.round(figures.pushToPreviewMs)} ms (+${Math.round(userStepsMs)} ms of checks), delete → gone ${Math.round(figures.deleteToGoneMs)} ms, merge → staging ${Math.round(figures.mergeToStagingMs)} ms, manual deploy ${Math.round(manual.ms)} ms`);
    return figures;
  } finally {
    await sluice.stop();
  }
}

async function call(api, method, path, body) {
  const response = await fetch(`${api}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function waitForRuns(api, match, what, timeoutMs = 60_000) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { runs } = await call(api, 'GET', '/api/runs?app=workshop&limit=50');
    const failed = runs.find((r) => r.status === 'failed');
    if (failed) throw new Error(`run #${failed.number} (${failed.kind} ${failed.branch}) failed: ${failed.reason}`);
    const found = match(runs);
    if (found) return found;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function waitForBody(url, test, timeoutMs = 60_000) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const answer = await get(url).catch(() => undefined);
    if (answer?.status === 200 && test(answer.body)) return performance.now();
    await sleep(5);
  }
  throw new Error(`${url} did not serve the new code within ${timeoutMs} ms`);
}

/** The preview's URL answers 404 and the stage is no longer listed. */
async function waitForGone(api, gateway, stage, timeoutMs = 60_000) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const answer = await get(`${gateway}/workshop/${stage}/restapi/submissions`).catch(() => undefined);
    if (answer?.status === 404) {
      const { stages } = await call(api, 'GET', '/api/stages?app=workshop');
      if (!stages.some((s) => s.name === stage)) return performance.now();
    }
    await sleep(5);
  }
  throw new Error(`the preview ${stage} was not removed within ${timeoutMs} ms`);
}

function stepMs(runRecord, name) {
  const step = runRecord.state.steps.find((s) => s.name === name);
  return step?.startedAt && step.finishedAt ? step.finishedAt - step.startedAt : 0;
}

function report(rounds, failure) {
  const m = (key) => median(rounds.map((r) => r[key]));
  const all = (key) => rounds.map((r) => cell(round(r[key]))).join(' / ');
  const manual = m('manualDeployMs');
  const lines = [
    `preview bench: examples/workshop in a local git repository, pushes announced by the notify hook, ${rounds.length} round(s) on fresh homes, median · node ${process.version}, ${cpus().length} cores`,
    '',
  ];
  const rows = [
    ['push → preview answers (without the app\'s checks)', 'pushToPreviewMs'],
    ['push → preview answers (total)', 'pushToPreviewTotalMs'],
    ['  the app\'s checks', 'userStepsMs'],
    ['branch deleted → preview gone', 'deleteToGoneMs'],
    ['merge to master → staging serves it', 'mergeToStagingMs'],
    ['peer: `sluice deploy` of the same commit by hand', 'manualDeployMs'],
  ].map(([label, key]) => [label, cell(round(m(key))), all(key), GOALS[key] ? `< ${cell(GOALS[key])}` : '', times(ratio(m(key), manual))]);
  lines.push(table(['step', 'median ms', 'rounds ms', 'goal ms', '× manual deploy'], rows));
  lines.push('');
  const check = (value, limit) => (value === null ? null : value < limit);
  const goalRows = [
    goalRow('push → preview', '< 5,000 ms', `${cell(round(m('pushToPreviewMs')))} ms`, check(m('pushToPreviewMs'), GOALS.pushToPreviewMs)),
    goalRow('delete → gone', '< 2,000 ms', `${cell(round(m('deleteToGoneMs')))} ms`, check(m('deleteToGoneMs'), GOALS.deleteToGoneMs)),
    goalRow('merge → staging', '< 5,000 ms', `${cell(round(m('mergeToStagingMs')))} ms`, check(m('mergeToStagingMs'), GOALS.mergeToStagingMs)),
  ];
  lines.push(table(['goal', 'target', 'measured', ''], goalRows));
  if (failure) lines.push('', `note: failed: ${failure}`);
  process.stdout.write(`${lines.join('\n')}\n\n`);
  printJsonLine({
    bench: 'preview',
    push_to_preview_ms: round(m('pushToPreviewMs')),
    push_to_preview_total_ms: round(m('pushToPreviewTotalMs')),
    checks_ms: round(m('userStepsMs')),
    delete_to_gone_ms: round(m('deleteToGoneMs')),
    merge_to_staging_ms: round(m('mergeToStagingMs')),
    manual_deploy_ms: round(manual),
    push_to_preview_vs_manual: round(ratio(m('pushToPreviewMs'), manual), 2),
    rounds: rounds.length,
    goals_missed: goalRows.filter((g) => g[3] === 'MISSED').map((g) => g[0]),
    failed: failure ? [failure] : [],
  });
  return failure ? 1 : 0;
}
