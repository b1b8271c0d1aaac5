// `npm run bench -- gateway`: HTTP serving speed of Sluice's gateway against its peers, in one run:
// - raw Node `http` calling the handler in-process (the ceiling),
// - Sluice's gateway (`sluice up` on a home with the bench app deployed),
// - serverless-offline 13.x on Serverless Framework 3.x (the tool Sluice's users would otherwise run).
// Each serves a hello handler and one that awaits 20 ms; autocannon, 50 connections, a warm-up then
// 3 × 10 s, medians. Raw Node and Sluice run side by side (idle but one) and their repetitions are
// interleaved, so noise on a shared host lands on both alike; serverless-offline is started and measured
// after them, in a phase of its own: idle after its load, its ~1 GB heap keeps being collected (up to
// ~0.1 cores in bursts), which would land on the closer comparison of Sluice with the ceiling. Also the
// start-up time from spawn to the first 200 of a deployed function.
//
// Options (for quick local runs; the defaults are the published method):
//   --duration S  --warmup S  --reps N  --connections N  --startup-reps N  --noisy-retries N
//   --only raw,sluice,offline

import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ROUTES, writeSluiceApp } from './lib/bench-app.js';
import { describeRun, measureOnce, summarize, warmUp } from './lib/load.js';
import { sampleRss } from './lib/proc-stats.js';
import { firstJsonLine, freePort, get, removeOnExit, spawnServer, stopAll, tail, waitFor200 } from './lib/processes.js';
import { cell, goalRow, median, percent, printJsonLine, progress, ratio, round, table, times } from './lib/report.js';
import { ensureServerlessOffline, startServerlessOffline } from './lib/serverless-offline.js';
import { deploy, startSluice } from './lib/sluice.js';

const STAGE = 'bench';
const HANDLERS = ['hello', 'slow'];
const CONTENDERS = [
  { id: 'sluice', label: 'Sluice gateway', start: startSluiceContender },
  { id: 'offline', label: 'serverless-offline', start: startOfflineContender },
  { id: 'raw', label: 'raw Node http', start: startRawContender },
];
/** Servers started, loaded and stopped together; a phase starts once the one before it has stopped. */
const PHASES = [['raw', 'sluice'], ['offline']];
const SLOW_CEILING_RPS = 2500; // 50 connections / 20 ms
const NOISE_CORES = 0.15; // CPU used by unrelated processes during a run above which the table warns
const RETRY_ABOVE_CORES = 0.25; // … and above which the run is repeated (within --noisy-retries)

export async function gatewayBench(argv = []) {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '5' },
      reps: { type: 'string', default: '3' },
      connections: { type: 'string', default: '50' },
      'startup-reps': { type: 'string', default: '3' },
      'noisy-retries': { type: 'string', default: '6' },
      only: { type: 'string', default: 'raw,sluice,offline' },
    },
  });
  const load = {
    durationS: Number(values.duration),
    warmupS: Number(values.warmup),
    reps: Number(values.reps),
    connections: Number(values.connections),
  };
  const only = new Set(values.only.split(','));
  const work = await mkdtemp(join(tmpdir(), 'sluice-bench-gateway-'));
  removeOnExit(work);
  const results = {};
  const notes = [];
  const retries = { left: Number(values['noisy-retries']), used: 0 };
  try {
    for (const phase of PHASES) {
      // 1. Start the phase's servers (Sluice's start-up is measured here), 2. load them in turn, 3. stop them.
      const servers = {};
      for (const id of phase) {
        if (!only.has(id)) continue;
        const contender = CONTENDERS.find((c) => c.id === id);
        try {
          servers[id] = await contender.start({ work, notes, startupReps: Number(values['startup-reps']) });
          results[id] = { readyMs: servers[id].readyMs, reportedReadyMs: servers[id].reportedReadyMs ?? null };
        } catch (error) {
          results[id] = failure(contender.label, error);
        }
      }
      await loadAll(servers, results, load, retries);
      for (const id of Object.keys(servers)) {
        const stopped = await servers[id].stop();
        if (stopped?.gatewayOutlivedUp) notes.push('the Sluice gateway process outlived `sluice up` after SIGTERM (the bench stopped it)');
      }
    }
    if (retries.used > 0) notes.push(`${retries.used} noisy run(s) repeated (other processes above ${RETRY_ABOVE_CORES} cores); the quietest attempt kept`);
  } finally {
    await stopAll();
    await rm(work, { recursive: true, force: true });
  }
  return report(results, load, notes);
}

function failure(label, error) {
  progress(`${label} could not be measured: ${error.message}`);
  return { error: error.message.split('\n').filter(Boolean).slice(0, 2).join(' ') };
}

/** Warm-up then interleaved repetitions, one handler at a time, rotating which contender goes first. */
async function loadAll(servers, results, load, retries) {
  const label = (id) => CONTENDERS.find((c) => c.id === id).label;
  for (const handler of HANDLERS) {
    const live = () => Object.keys(servers).filter((id) => !results[id].error);
    const runs = {};
    const samplers = {};
    for (const id of live()) {
      const url = servers[id].baseUrl + ROUTES[handler];
      try {
        const probe = await get(url);
        if (probe.status !== 200 || probe.body !== '{"ok":true}') throw new Error(`${url} answered ${probe.status} ${probe.body.slice(0, 200)}`);
        samplers[id] = sampleRss(servers[id].pid);
        progress(`${label(id)} / ${handler}: warm-up ${load.warmupS} s on ${url}`);
        await warmUp({ url, ...load });
        runs[id] = [];
      } catch (error) {
        results[id] = failure(label(id), error);
      }
    }
    for (let rep = 0; rep < load.reps; rep++) {
      const order = live();
      for (let k = 0; k < order.length; k++) {
        const id = order[(k + rep) % order.length];
        if (results[id].error) continue;
        try {
          const measure = () => measureOnce({ url: servers[id].baseUrl + ROUTES[handler], pid: servers[id].pid, ...load });
          let run = await measure();
          progress(`${label(id)} / ${handler}: run ${rep + 1}/${load.reps}: ${describeRun(run)}`);
          // A run during which other processes took a real share of the CPU is repeated, within a budget that
          // keeps the bench bounded; the quietest attempt is kept.
          while (run.otherCores > RETRY_ABOVE_CORES && retries.left > 0) {
            retries.left--;
            retries.used++;
            const again = await measure();
            progress(`${label(id)} / ${handler}: run ${rep + 1}/${load.reps} again (noisy): ${describeRun(again)}`);
            if (again.otherCores < run.otherCores) run = again;
          }
          runs[id].push(run);
        } catch (error) {
          results[id] = failure(label(id), error);
        }
      }
    }
    for (const [id, stopSampling] of Object.entries(samplers)) {
      const peakRssMb = stopSampling();
      if (!results[id].error) results[id][handler] = summarize(runs[id], peakRssMb);
    }
  }
}

// ---- raw Node ---------------------------------------------------------------------------------------

async function startRawContender({ work }) {
  const dir = join(work, 'raw');
  const handlerFile = await writeSluiceApp(dir);
  const entry = fileURLToPath(new URL('./lib/raw-server.js', import.meta.url));
  const spawnedAt = performance.now();
  const server = spawnServer(process.execPath, [entry, handlerFile, '0']);
  tail(server.child.stderr);
  const { port } = await firstJsonLine(server.child.stdout, server.exited, 'the raw Node server');
  server.child.stdout.resume();
  const baseUrl = `http://127.0.0.1:${port}`;
  const readyMs = (await waitFor200(baseUrl + ROUTES.hello, { exited: server.exited })) - spawnedAt;
  return { baseUrl, pid: server.pid, readyMs, stop: server.stop };
}

// ---- Sluice -----------------------------------------------------------------------------------------

async function startSluiceContender({ work, notes, startupReps }) {
  const appDir = join(work, 'sluice-app');
  const home = join(work, 'sluice-home');
  await mkdir(home, { recursive: true });
  await writeSluiceApp(appDir);

  // Deploy the bench app into a fresh home, then stop: start-up is measured on an already-deployed home.
  progress('Sluice: sluice up + deploy of the bench app');
  const first = await startSluice({ home, log: progress });
  const { result } = await deploy({ appDir, api: first.ready.api, stage: STAGE });
  const service = result?.services?.find((s) => s.service === 'hello') ?? result?.services?.[0];
  if (!service?.url) throw new Error(`sluice deploy printed no services[].url: ${JSON.stringify(result).slice(0, 300)}`);
  const servicePath = new URL(service.url).pathname.replace(/\/$/, '');
  noteLeak(await first.stop(), notes);

  // Start-up: spawn `sluice up` on free ports chosen here and poll a deployed function until it answers 200.
  const startups = [];
  let running;
  for (let i = 1; i <= startupReps; i++) {
    const [port, gatewayPort] = [await freePort(), await freePort()];
    const url = `http://127.0.0.1:${gatewayPort}${servicePath}${ROUTES.hello}`;
    const spawnedAt = performance.now();
    const starting = startSluice({ home, port, gatewayPort, log: progress });
    const failed = starting.then(() => new Promise(() => {}), (error) => ({ code: error.message }));
    const first200 = waitFor200(url, { exited: failed, intervalMs: 2 });
    first200.catch(() => {}); // awaited below, unless start-up itself fails first
    const sluice = await starting;
    const answeredAt = await first200;
    startups.push({ toFirst200: answeredAt - spawnedAt, reported: sluice.ready.readyMs });
    progress(`Sluice start-up ${i}/${startupReps}: first 200 after ${Math.round(answeredAt - spawnedAt)} ms (it reports readyMs ${sluice.ready.readyMs})`);
    if (i < startupReps) noteLeak(await sluice.stop(), notes);
    else running = sluice;
  }
  if (!running.gatewayPid) throw new Error(`no gateway pid in ${join(home, 'gateway.json')}`);
  return {
    baseUrl: `http://127.0.0.1:${new URL(running.ready.gateway).port}${servicePath}`,
    pid: running.gatewayPid,
    readyMs: median(startups.map((s) => s.toFirst200)),
    reportedReadyMs: median(startups.map((s) => s.reported)),
    stop: running.stop,
  };
}

function noteLeak(stopped, notes) {
  const note = 'the Sluice gateway process outlived `sluice up` after SIGTERM (the bench stopped it)';
  if (stopped.gatewayOutlivedUp && !notes.includes(note)) notes.push(note);
}

// ---- serverless-offline -----------------------------------------------------------------------------

async function startOfflineContender({ work, notes }) {
  const installed = await ensureServerlessOffline(progress);
  const offline = await startServerlessOffline({ installDir: installed.dir, serviceDir: join(work, 'offline-service') });
  let answeredAt;
  try {
    answeredAt = await waitFor200(offline.baseUrl + ROUTES.hello, { exited: offline.server.exited, timeoutMs: 90_000 });
  } catch (error) {
    throw new Error(`${error.message}\n${offline.logTail()}`);
  }
  const readyMs = answeredAt - offline.spawnedAt;
  progress(`serverless-offline: first 200 after ${Math.round(readyMs)} ms`);
  notes.push(`peer: serverless ${installed.serverless}, serverless-offline ${installed.offline} (worker threads, its default), per-request log to a file`);
  return { baseUrl: offline.baseUrl, pid: offline.server.pid, readyMs, stop: offline.server.stop };
}

// ---- report -----------------------------------------------------------------------------------------

function report(results, load, notes) {
  const figure = (id, handler, key) => results[id]?.[handler]?.[key] ?? null;
  const lines = [];
  lines.push(
    `gateway bench: autocannon ${load.connections} connections, warm-up ${load.warmupS} s, ${load.reps} × ${load.durationS} s, median · ` +
      `node ${process.version}, ${cpus().length} cores`,
  );
  lines.push('');

  const rows = [];
  for (const handler of HANDLERS) {
    for (const { id, label } of CONTENDERS) {
      if (!results[id]) continue;
      if (results[id].error) {
        rows.push([`${label}`, handler, 'failed', '', '', '', '', '', '', '']);
        continue;
      }
      const m = results[id][handler];
      rows.push([
        label,
        handler === 'hello' ? 'hello' : 'await 20 ms',
        cell(round(m.rps)),
        cell(m.p50),
        cell(m.p99),
        cell(round(m.cpuUsPerReq)),
        cell(round(m.peakRssMb)),
        cell(m.non2xx + m.errors),
        percent(ratio(m.rps, figure('raw', handler, 'rps'))),
        id === 'sluice' ? '' : times(ratio(figure('sluice', handler, 'rps'), m.rps)),
      ]);
    }
  }
  lines.push(table(['server', 'handler', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'peak RSS MB', 'non-2xx+err', 'of raw', 'Sluice is'], rows));
  lines.push('');

  const startRows = CONTENDERS.filter(({ id }) => results[id] && !results[id].error).map(({ id, label }) => [
    label,
    cell(round(results[id].readyMs)),
    id === 'sluice' ? cell(round(results.sluice.reportedReadyMs)) : '',
    id === 'sluice' ? '' : times(ratio(results[id].readyMs, results.sluice?.readyMs ?? null)),
  ]);
  lines.push(table(['start-up (deployed app)', 'spawn → first 200 ms', 'self-reported ready ms', 'slower than Sluice'], startRows));
  lines.push('');

  const sluiceRps = figure('sluice', 'hello', 'rps');
  const offlineRps = figure('offline', 'hello', 'rps');
  const rawRps = figure('raw', 'hello', 'rps');
  const slowRps = figure('sluice', 'slow', 'rps');
  const p99 = figure('sluice', 'hello', 'p99');
  const peakRss = maxOrNull(figure('sluice', 'hello', 'peakRssMb'), figure('sluice', 'slow', 'peakRssMb'));
  const readyMs = results.sluice?.readyMs ?? null;
  const vsOffline = ratio(sluiceRps, offlineRps);
  const vsRaw = ratio(sluiceRps, rawRps);
  const slowShare = ratio(slowRps, SLOW_CEILING_RPS);
  const check = (value, ok) => (value === null ? null : ok(value));
  const goals = [
    goalRow('hello req/s vs serverless-offline', '≥ 10×', times(vsOffline), check(vsOffline, (v) => v >= 10)),
    goalRow('hello req/s vs raw Node', '≥ 60%', percent(vsRaw), check(vsRaw, (v) => v >= 0.6)),
    goalRow('hello p99', '≤ 10 ms', p99 === null ? '–' : `${cell(p99, 1)} ms`, check(p99, (v) => v <= 10)),
    goalRow('20 ms handler req/s', `≥ 90% of ${cell(SLOW_CEILING_RPS)}`, slowRps === null ? '–' : `${cell(round(slowRps))} (${cell(slowShare * 100, 1)}%)`, check(slowShare, (v) => v >= 0.9)),
    goalRow('gateway peak RSS under load', '≤ 250 MB', peakRss === null ? '–' : `${cell(round(peakRss))} MB`, check(peakRss, (v) => v <= 250)),
    goalRow('`sluice up` to first 200', '< 1,000 ms', readyMs === null ? '–' : `${cell(round(readyMs))} ms`, check(readyMs, (v) => v < 1000)),
  ];
  lines.push(table(['goal', 'target', 'measured', ''], goals));
  for (const { id, label } of CONTENDERS) if (results[id]?.error) notes.push(`${label} failed: ${results[id].error}`);
  for (const { id, label } of CONTENDERS) {
    for (const handler of HANDLERS) {
      const other = results[id]?.[handler]?.maxOtherCores;
      if (other > NOISE_CORES) notes.push(`noisy host: other processes used up to ${other.toFixed(2)} cores during ${label} / ${handler}; compare with care`);
    }
  }
  if (notes.length > 0) lines.push('', ...notes.map((n) => `note: ${n}`));
  process.stdout.write(`${lines.join('\n')}\n\n`);

  const figures = {
    bench: 'gateway',
    sluice_rps: round(sluiceRps),
    offline_rps: round(offlineRps),
    raw_rps: round(rawRps),
    sluice_vs_offline: round(vsOffline, 2),
    sluice_vs_raw: round(vsRaw, 3),
    sluice_p50_ms: round(figure('sluice', 'hello', 'p50'), 2),
    sluice_p99_ms: round(p99, 2),
    offline_p99_ms: round(figure('offline', 'hello', 'p99'), 2),
    raw_p99_ms: round(figure('raw', 'hello', 'p99'), 2),
    slow_sluice_rps: round(slowRps),
    slow_offline_rps: round(figure('offline', 'slow', 'rps')),
    slow_raw_rps: round(figure('raw', 'slow', 'rps')),
    slow_sluice_p99_ms: round(figure('sluice', 'slow', 'p99'), 2),
    sluice_cpu_us_per_req: round(figure('sluice', 'hello', 'cpuUsPerReq')),
    offline_cpu_us_per_req: round(figure('offline', 'hello', 'cpuUsPerReq')),
    raw_cpu_us_per_req: round(figure('raw', 'hello', 'cpuUsPerReq')),
    sluice_peak_rss_mb: round(peakRss),
    offline_peak_rss_mb: round(maxOrNull(figure('offline', 'hello', 'peakRssMb'), figure('offline', 'slow', 'peakRssMb'))),
    raw_peak_rss_mb: round(maxOrNull(figure('raw', 'hello', 'peakRssMb'), figure('raw', 'slow', 'peakRssMb'))),
    ready_ms: round(readyMs),
    sluice_reported_ready_ms: round(results.sluice?.reportedReadyMs ?? null),
    offline_ready_ms: round(results.offline?.readyMs ?? null),
    max_other_cores: round(maxOrNull(...CONTENDERS.flatMap(({ id }) => HANDLERS.map((h) => figure(id, h, 'maxOtherCores')))), 2),
    goals_missed: goals.filter((g) => g[3] === 'MISSED').map((g) => g[0]),
    failed: CONTENDERS.filter(({ id }) => results[id]?.error).map(({ id }) => id),
  };
  printJsonLine(figures);
  return figures.failed.length === 0 ? 0 : 1;
}

function maxOrNull(...values) {
  const present = values.filter((v) => v !== null && v !== undefined);
  return present.length === 0 ? null : Math.max(...present);
}
