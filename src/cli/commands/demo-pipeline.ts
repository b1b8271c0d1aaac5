// The git-driven part of `sluice demo`: the workshop in a local git repository connected to the control
// plane, then the seed workflow with real pushes: a branch gets checks and a preview, the merge to master
// deploys staging, prod waits for an approver and promotes staging's bundles, the deleted branch takes its
// preview with it.

import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ControlPlane } from '../../composition/index.js';
import type { PipelineRunRecord } from '../../store/index.js';
import { FINISHED_RUN_STATUSES } from '../../store/pipeline-types.js';
import { bold, cyan, dim, green, print, red } from '../output.js';

const run = promisify(execFile);
const IDENTITY = { GIT_AUTHOR_NAME: 'Alice', GIT_AUTHOR_EMAIL: 'alice@example.com', GIT_COMMITTER_NAME: 'Alice', GIT_COMMITTER_EMAIL: 'alice@example.com' };
const RUN_TIMEOUT_MS = 120_000;

export async function pipelineDemo(plane: ControlPlane, example: string, firstStep: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-demo-git-'));
  const remote = join(dir, 'workshop.git');
  const work = join(dir, 'work');
  const git = async (...args: string[]) => (await run('git', args, { cwd: work, env: { ...process.env, ...IDENTITY } })).stdout.trim();
  let n = firstStep;
  try {
    await run('git', ['init', '--quiet', '--bare', '--initial-branch=master', remote]);
    await run('git', ['clone', '--quiet', remote, work]);
    await cp(example, work, { recursive: true, filter: (source) => !source.includes('.sluice') });
    await git('checkout', '--quiet', '-B', 'master');
    await git('add', '-A');
    await git('commit', '--quiet', '-m', 'The workshop app');
    await git('push', '--quiet', 'origin', 'master');

    let t = performance.now();
    const { repository } = await plane.pipeline.connect({ app: 'workshop', kind: 'git', url: remote, pollIntervalMs: 0 }, 'demo');
    const notify = () => plane.pipeline.notify(repository.id);
    const master = await waitForRun(plane, (r) => r.branch === 'master');
    print(`${step(n++)} Connected the git repository ${dim(remote)}: master → ${bold('staging')} run #${master.number} ${status(master)} in ${ms(t)}`);
    expectStatus(master, 'succeeded');
    print(`    ${dim('sluice.app.yml maps master to staging and prod to prod; every other branch gets a preview.')}`);

    await git('checkout', '--quiet', '-b', 'feature/Greeting');
    const handler = join(work, 'backend-restapi', 'src', 'handler.ts');
    await writeFile(handler, (await readFile(handler, 'utf8')).replace('return { table: process.env.TABLE,', "return { greeting: 'hello from a preview', table: process.env.TABLE,"));
    await git('commit', '--quiet', '-am', 'Greet the callers');
    const sha = await git('rev-parse', 'HEAD');
    t = performance.now();
    await git('push', '--quiet', 'origin', 'feature/Greeting');
    await notify();
    const preview = await waitForRun(plane, (r) => r.branch === 'feature/Greeting' && r.sha === sha);
    const previewUrl = `${plane.gatewayUrl}/workshop/${preview.stage}/restapi/submissions`;
    const answer = await fetch(previewUrl).then((r) => r.json() as Promise<{ greeting?: string }>).catch(() => ({ greeting: undefined }));
    print(`${step(n++)} Pushed branch feature/Greeting: run #${preview.number} ${status(preview)} in ${ms(t)} — ${stepsOf(preview)}`);
    expectStatus(preview, 'succeeded');
    if (!answer.greeting) throw new Error(`the preview at ${previewUrl} does not serve the pushed change`);
    print(`    preview ${bold(preview.stage ?? '?')} ${cyan(previewUrl)} ${answer.greeting ? green(`"${answer.greeting}"`) : red('no greeting')}`);
    print(`    this commit, for as long as the preview lives: ${cyan(`${plane.gatewayUrl}/c/${sha.slice(0, 7)}/workshop/${preview.stage}/restapi`)}`);

    await git('checkout', '--quiet', 'master');
    await git('merge', '--quiet', '--no-ff', '-m', 'Merge feature/Greeting', 'feature/Greeting');
    const merge = await git('rev-parse', 'HEAD');
    t = performance.now();
    await git('push', '--quiet', 'origin', 'master');
    await notify();
    const staging = await waitForRun(plane, (r) => r.branch === 'master' && r.sha === merge);
    const stagingAnswer = await fetch(`${plane.gatewayUrl}/workshop/staging/restapi/submissions`).then((r) => r.json() as Promise<{ greeting?: string }>);
    print(`${step(n++)} Merged to master: run #${staging.number} ${status(staging)} in ${ms(t)} — staging ${stagingAnswer.greeting ? 'serves the greeting' : red('does not serve the greeting')}`);
    expectStatus(staging, 'succeeded');
    if (!stagingAnswer.greeting) throw new Error('staging does not serve the merged change');

    await git('checkout', '--quiet', '-B', 'prod');
    t = performance.now();
    await git('push', '--quiet', 'origin', 'prod');
    await notify();
    const waiting = await waitForRun(plane, (r) => r.branch === 'prod', ['awaiting_approval', ...FINISHED_RUN_STATUSES]);
    print(`${step(n++)} Pushed prod: run #${waiting.number} ${status(waiting)} ${dim('(profile prod has approval: required)')}`);
    expectStatus(waiting, 'awaiting_approval');
    await plane.pipeline.decide(waiting.id, 'approve', 'bob', 'looks good on staging');
    const prod = await waitForRun(plane, (r) => r.id === waiting.id);
    const same = await sameBundles(plane);
    print(`    bob approved: ${status(prod)} in ${ms(t)} — prod runs the bundles staging verified, not a rebuild ${dim(`(${same ? 'same code hashes as staging' : 'code hashes differ!'})`)}`);
    expectStatus(prod, 'succeeded');
    if (!same) throw new Error('prod does not run the code hashes staging verified');

    t = performance.now();
    await git('push', '--quiet', 'origin', '--delete', 'feature/Greeting');
    await notify();
    const destroy = await waitForRun(plane, (r) => r.kind === 'destroy');
    const gone = (await fetch(previewUrl)).status;
    print(`${step(n++)} Deleted the branch: run #${destroy.number} ${status(destroy)} in ${ms(t)} — the preview answers ${gone === 404 ? green('404') : red(String(gone))}, nothing of it is left`);
    expectStatus(destroy, 'succeeded');
    if (gone !== 404) throw new Error(`the destroyed preview still answers ${gone}`);
    print(`    ${dim('sluice runs, sluice runs show N --follow, sluice approve N: the same workflow from the CLI.')}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Waits for the newest run matching `match` to reach one of `statuses`, woken by the pipeline's signals. */
async function waitForRun(plane: ControlPlane, match: (run: PipelineRunRecord) => boolean, statuses: readonly string[] = FINISHED_RUN_STATUSES): Promise<PipelineRunRecord> {
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  for (;;) {
    const found = (await plane.store.listRuns({ app: 'workshop', limit: 20 })).find(match);
    if (found && statuses.includes(found.status)) return found;
    if (Date.now() > deadline) throw new Error(`the demo's run did not finish within ${RUN_TIMEOUT_MS / 1000} s`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, 500);
      function done() {
        clearTimeout(timer);
        plane.pipeline.signals.off('run', done);
        resolve();
      }
      plane.pipeline.signals.on('run', done);
    });
  }
}

/** The demo stops at the first run that did not end as the workflow says it should. */
function expectStatus(run: PipelineRunRecord, wanted: string): void {
  if (run.status !== wanted) throw new Error(`run #${run.number} (${run.kind} ${run.branch}) is ${run.status}, expected ${wanted}${run.reason ? `: ${run.reason}` : ''}`);
}

async function sameBundles(plane: ControlPlane): Promise<boolean> {
  const hashes = async (stage: string) => {
    const aliases = (await plane.store.listAliases('workshop', stage)).filter((a) => a.name === 'live');
    const versions = await Promise.all(aliases.flatMap((a) => a.targets.filter((t) => t.weight > 0).map((t) => plane.store.getVersion(t.versionId))));
    return versions.map((v) => v?.codeHash).sort().join(',');
  };
  return (await hashes('prod')) === (await hashes('staging'));
}

function stepsOf(run: PipelineRunRecord): string {
  const steps = (run.state.steps as Array<{ name: string; status: string }>) ?? [];
  return steps.map((s) => (s.status === 'succeeded' ? s.name : `${s.name} ${s.status}`)).join(' → ');
}

function status(run: PipelineRunRecord): string {
  if (run.status === 'succeeded') return green('succeeded');
  if (run.status === 'awaiting_approval') return bold('awaiting approval');
  return red(`${run.status}${run.reason ? `: ${run.reason}` : ''}`);
}

const step = (n: number) => bold(`${n}.`);
const ms = (since: number) => `${Math.round(performance.now() - since)} ms`;
