// `npm run bench -- deploy`: how long `sluice deploy` takes on the example app (examples/workshop, three
// services, four functions) as a user runs it: wall time of the CLI command, bundling included.
// - a first deploy into a fresh home, a no-change deploy, and a change to one function's code;
// - peers in the same run: the CLI's own floor (`sluice --version`) and one API round trip
//   (`sluice stages --json`), so a slow deploy can be told apart from a slow CLI;
// - the control plane's idle RSS after the deploys.
// Three rounds, each on a fresh home and copy of the app; medians.
//
// Options: --rounds N

import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { hostBusySeconds, ownRssMb, treeCpuSecondsWithReaped } from './lib/proc-stats.js';
import { removeOnExit, sleep, stopAll } from './lib/processes.js';
import { cell, goalRow, median, printJsonLine, progress, ratio, round, table, times } from './lib/report.js';
import { ROOT, deploy, runCli, startSluice } from './lib/sluice.js';

const STAGE = 'dev';
const EXAMPLE = join(ROOT, 'examples', 'workshop');
// The one function changed: `tasks.report`, the only function in its file, so exactly one bundle changes.
const CHANGED_FILE = join('backend-tasks', 'src', 'report.ts');
const CHANGE_FROM = 'restapi answered';
const NOISE_CORES = 0.15; // CPU used by unrelated processes during a round above which the table warns

export async function deployBench(argv = []) {
  const { values } = parseArgs({ args: argv, options: { rounds: { type: 'string', default: '3' } } });
  const roundsWanted = Number(values.rounds);
  const work = await mkdtemp(join(tmpdir(), 'sluice-bench-deploy-'));
  removeOnExit(work);
  const rounds = [];
  const notes = [];
  let failure;
  try {
    for (let i = 1; i <= roundsWanted; i++) rounds.push(await deployRound(work, i, notes));
  } catch (error) {
    failure = error.message.split('\n')[0];
    progress(`deploy bench failed: ${error.message}`);
  } finally {
    await stopAll();
    await rm(work, { recursive: true, force: true });
  }
  return report(rounds, notes, failure);
}

async function deployRound(work, round, notes) {
  const home = join(work, `home-${round}`);
  const appDir = join(work, `app-${round}`);
  await cp(EXAMPLE, appDir, { recursive: true, filter: (source) => !source.includes('.sluice') && !source.includes('node_modules') });
  const sluice = await startSluice({ home, log: progress });
  // Noise check: CPU that processes outside this bench's own tree (CLI runs, sluice up, its gateway) used.
  const startedAt = performance.now();
  const hostBefore = hostBusySeconds();
  const oursBefore = treeCpuSecondsWithReaped(process.pid);
  try {
    const api = sluice.ready.api;
    const nodeStart = await timeCommand(process.execPath, ['-e', '0']);
    const floor = await runCli(['--version']);
    const apiCall = await runCli(['stages', '--json'], { api }).catch((error) => {
      note(notes, `\`sluice stages --json\` failed: ${error.message.split('\n')[0]}`);
      return { ms: null };
    });

    const first = await deploy({ appDir, api, stage: STAGE });
    const firstChanged = changedFunctions(first.result);
    if (first.result?.changed !== true) note(notes, `the first deploy did not report changed: true`);

    const nochange = await deploy({ appDir, api, stage: STAGE });
    const nochangeChanged = changedFunctions(nochange.result);
    if (nochange.result?.changed !== false || nochangeChanged.length > 0) {
      note(notes, `the no-change deploy reported changes: ${nochangeChanged.join(', ') || `changed=${nochange.result?.changed}`}`);
    }

    const file = join(appDir, CHANGED_FILE);
    const source = await readFile(file, 'utf8');
    if (!source.includes(CHANGE_FROM)) throw new Error(`${CHANGED_FILE} no longer contains "${CHANGE_FROM}"; update bench/deploy.js`);
    await writeFile(file, source.replace(CHANGE_FROM, `${CHANGE_FROM} (bench edit ${round})`));
    const change = await deploy({ appDir, api, stage: STAGE });
    const changeChanged = changedFunctions(change.result);
    if (changeChanged.length !== 1) note(notes, `the one-function change published ${changeChanged.length} versions (${changeChanged.join(', ') || 'none'})`);

    const otherCores =
      hostBefore === null
        ? null
        : Math.max(0, hostBusySeconds() - hostBefore - (treeCpuSecondsWithReaped(process.pid) - oursBefore)) / ((performance.now() - startedAt) / 1000);

    // Idle: let post-deploy work (worker warm-up, GC) settle, then read the control plane's own RSS.
    await sleep(2000);
    const idleRssMb = ownRssMb(sluice.up.pid);
    const gatewayIdleRssMb = sluice.gatewayPid ? ownRssMb(sluice.gatewayPid) : null;

    const figures = {
      firstMs: first.ms,
      nochangeMs: nochange.ms,
      changeMs: change.ms,
      nodeMs: nodeStart,
      floorMs: floor.ms,
      apiCallMs: apiCall.ms,
      idleRssMb,
      gatewayIdleRssMb,
      readyMs: sluice.ready.readyMs,
      functionCount: (first.result?.services ?? []).reduce((n, s) => n + (s.functions?.length ?? 0), 0),
      serviceCount: first.result?.services?.length ?? 0,
      firstFunctions: firstChanged.length,
      changeFunctions: changeChanged.length,
      otherCores,
    };
    progress(
      `round ${round}: first ${Math.round(first.ms)} ms (${firstChanged.length} versions), no-change ${Math.round(nochange.ms)} ms, ` +
        `change ${Math.round(change.ms)} ms (${changeChanged.join(', ')}), idle RSS ${Math.round(idleRssMb)} MB, ` +
        `other processes ${otherCores === null ? '?' : otherCores.toFixed(2)} cores`,
    );
    return figures;
  } finally {
    const stopped = await sluice.stop();
    if (stopped.gatewayOutlivedUp) note(notes, 'the Sluice gateway process outlived `sluice up` after SIGTERM (the bench stopped it)');
  }
}

function timeCommand(command, args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    execFile(command, args, (error) => (error ? reject(error) : resolve(performance.now() - started)));
  });
}

function changedFunctions(result) {
  return (result?.services ?? []).flatMap((s) => (s.functions ?? []).filter((f) => f.changed).map((f) => `${s.service}.${f.name}`));
}

function note(notes, text) {
  if (!notes.includes(text)) notes.push(text);
}

function report(rounds, notes, failure) {
  const m = (key) => median(rounds.map((r) => r[key]));
  const all = (key) => rounds.map((r) => (r[key] === null ? '–' : cell(round(r[key])))).join(' / ');
  const floor = m('floorMs');
  const lines = [
    `deploy bench: examples/workshop (${m('serviceCount') ?? '?'} services, ${m('functionCount') ?? '?'} functions) to stage ${STAGE}, wall time of the CLI command, ` +
      `${rounds.length} round(s) on fresh homes, median · node ${process.version}, ${cpus().length} cores`,
    '',
  ];
  const goals = { firstMs: 3000, nochangeMs: 300, changeMs: 1000 };
  const rows = [
    ['first deploy', 'firstMs'],
    ['no-change deploy', 'nochangeMs'],
    ['one-function change', 'changeMs'],
    ['peer: `sluice --version` (CLI floor)', 'floorMs'],
    ['peer: `sluice stages --json` (one API call)', 'apiCallMs'],
    ['peer: `node -e 0` (Node start)', 'nodeMs'],
  ].map(([label, key]) => [label, cell(round(m(key))), all(key), goals[key] ? `< ${cell(goals[key])}` : '', times(ratio(m(key), floor))]);
  lines.push(table(['step', 'median ms', 'rounds ms', 'goal ms', '× CLI floor'], rows));
  lines.push('');
  lines.push(
    table(
      ['idle after the deploys', 'median MB', 'rounds MB'],
      [
        ['control plane (`sluice up`)', cell(round(m('idleRssMb'))), all('idleRssMb')],
        ['gateway process', cell(round(m('gatewayIdleRssMb'))), all('gatewayIdleRssMb')],
      ],
    ),
  );
  lines.push('');
  const check = (value, limit) => (value === null ? null : value < limit);
  const goalRows = [
    goalRow('first deploy', '< 3,000 ms', msText(m('firstMs')), check(m('firstMs'), 3000)),
    goalRow('no-change deploy', '< 300 ms', msText(m('nochangeMs')), check(m('nochangeMs'), 300)),
    goalRow('one-function change', '< 1,000 ms', msText(m('changeMs')), check(m('changeMs'), 1000)),
    goalRow('idle control-plane RSS', '< 150 MB', m('idleRssMb') === null ? '–' : `${cell(round(m('idleRssMb')))} MB`, check(m('idleRssMb'), 150)),
  ];
  lines.push(table(['goal', 'target', 'measured', ''], goalRows));
  if (failure) notes.push(`failed: ${failure}`);
  const noisiest = Math.max(0, ...rounds.map((r) => r.otherCores ?? 0));
  if (noisiest > NOISE_CORES) notes.push(`noisy host: other processes used up to ${noisiest.toFixed(2)} cores during a round; compare with care`);
  if (notes.length > 0) lines.push('', ...notes.map((n) => `note: ${n}`));
  process.stdout.write(`${lines.join('\n')}\n\n`);

  printJsonLine({
    bench: 'deploy',
    first_ms: round(m('firstMs')),
    nochange_ms: round(m('nochangeMs')),
    change_ms: round(m('changeMs')),
    idle_rss_mb: round(m('idleRssMb')),
    gateway_idle_rss_mb: round(m('gatewayIdleRssMb')),
    cli_floor_ms: round(floor),
    cli_api_call_ms: round(m('apiCallMs')),
    node_start_ms: round(m('nodeMs')),
    first_vs_floor: round(ratio(m('firstMs'), floor), 2),
    nochange_vs_floor: round(ratio(m('nochangeMs'), floor), 2),
    change_vs_floor: round(ratio(m('changeMs'), floor), 2),
    change_versions: m('changeFunctions'),
    rounds: rounds.length,
    max_other_cores: round(Math.max(0, ...rounds.map((r) => r.otherCores ?? 0)), 2),
    goals_missed: goalRows.filter((g) => g[3] === 'MISSED').map((g) => g[0]),
    failed: failure ? [failure] : [],
  });
  return failure ? 1 : 0;
}

function msText(value) {
  return value === null ? '–' : `${cell(round(value))} ms`;
}
