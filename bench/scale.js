// `npm run bench -- scale`: how much deploy work Sluice's control plane handles, and how fast a dead
// process's work moves on, in one run:
// - deploys per second through the HTTP API (what `sluice deploy` sends: manifests and a tiny bundle, packaged
//   once here so the client's bundling is not measured) of a one-function service, AllAtOnce (the whole
//   rollout runs inside the call: version, lease-held rollout, fenced alias write, routing reload, audit):
//   one `sluice up` on SQLite, one on PostgreSQL, and three on one PostgreSQL (clients spread over their
//   APIs). N clients, each on its own stage, each deploying a new version (a changed param) as soon as the
//   previous deploy answered; a warm-up, then a measured window.
// - lease takeover time: a `sluice up` holding a rollout is killed with -9; the time until another process
//   records `lease.takeover` for it, against the lease period (SLUICE_LEASE_MS) that bounds it.
// Every process runs on this machine, PostgreSQL too; on few cores, three processes share the same CPUs,
// so the three-process figure says how the work is shared, not how it scales on separate machines.
//
// Options: --duration S (measured window, default 10), --clients N (default 8), --takeovers N (default 3),
// --lease-ms MS (lease period for the takeover runs, default 2000). PostgreSQL: BENCH_DATABASE_URL or
// TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test; without one the PostgreSQL rows are "–".

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { removeOnExit, sleep, stopAll } from './lib/processes.js';
import { cell, median, printJsonLine, progress, ratio, round, table, times } from './lib/report.js';
import { ROOT, startSluice } from './lib/sluice.js';

const APP = 'scale';
const SERVICE = 'api';
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

const FILES = {
  'sluice.app.yml': `app: ${APP}\nservices: [${SERVICE}]\n`,
  [`${SERVICE}/sluice.yml`]: `service: ${SERVICE}
functions:
  hello:
    handler: src/hello.handler
    environment:
      REV: \${param:rev, '0'}
    events:
      - http: GET /hello
`,
  [`${SERVICE}/src/hello.mjs`]: `export const handler = async () => ({ statusCode: 200, body: process.env.REV });\n`,
};

export async function scaleBench(argv = []) {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '10' },
      clients: { type: 'string', default: '8' },
      takeovers: { type: 'string', default: '3' },
      'lease-ms': { type: 'string', default: '2000' },
    },
  });
  const settings = { durationMs: Number(values.duration) * 1000, clients: Number(values.clients), takeovers: Number(values.takeovers), leaseMs: Number(values['lease-ms']) };
  const work = await mkdtemp(join(tmpdir(), 'sluice-bench-scale-'));
  removeOnExit(work);
  const databaseUrl = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || DEFAULT_DATABASE_URL;
  const notes = [];
  const failures = [];
  const results = {};
  const schemas = [];
  let admin;
  try {
    const pkg = await packageBenchApp(join(work, 'app'));
    admin = await connect(databaseUrl, notes);
    const setups = [
      { id: 'sqlite', label: '1 process, SQLite', processes: 1, postgres: false },
      { id: 'pg', label: '1 process, PostgreSQL', processes: 1, postgres: true },
      { id: 'pg3', label: '3 processes, one PostgreSQL', processes: 3, postgres: true },
    ];
    for (const setup of setups) {
      if (setup.postgres && !admin) continue;
      try {
        const schema = setup.postgres ? newSchema(schemas) : undefined;
        results[setup.id] = await deployThroughput({ work, pkg, setup, settings, databaseUrl, schema });
        progress(`${setup.label}: ${results[setup.id].perSecond.toFixed(1)} deploys/s (${results[setup.id].failed} failed)`);
      } catch (error) {
        failures.push(`${setup.id}: ${error.message.split('\n')[0]}`);
        progress(`${setup.label} failed: ${error.stack ?? error.message}`);
      } finally {
        await stopAll();
      }
    }
    if (admin) {
      try {
        results.takeover = await takeoverTimes({ work, pkg, settings, databaseUrl, schema: newSchema(schemas) });
      } catch (error) {
        failures.push(`takeover: ${error.message.split('\n')[0]}`);
        progress(`takeover failed: ${error.stack ?? error.message}`);
      } finally {
        await stopAll();
      }
    }
  } finally {
    await stopAll();
    for (const schema of schemas) await admin?.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
    await admin?.end().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
  return report(results, settings, notes, failures);
}

function newSchema(schemas) {
  const schema = `sluice_bench_${randomBytes(4).toString('hex')}`;
  schemas.push(schema);
  return schema;
}

async function connect(databaseUrl, notes) {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (error) {
    notes.push(`no PostgreSQL at ${new URL(databaseUrl).host} (${error.code ?? error.message}): PostgreSQL rows skipped`);
    return undefined;
  }
}

/** Writes the app and packages it once with the built engine (what the CLI uploads). */
async function packageBenchApp(dir) {
  for (const [file, text] of Object.entries(FILES)) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await writeFile(join(dir, file), text);
  }
  const { packageApp } = await import(join(ROOT, 'dist', 'engine', 'index.js'));
  const pkg = await packageApp(dir);
  return {
    app: pkg.app,
    sources: pkg.sources,
    bundles: Object.fromEntries(Object.entries(pkg.bundles).map(([hash, code]) => [hash, code.toString('base64')])),
    functionCode: pkg.functionCode,
  };
}

/** `sluice up` with extra environment: the child inherits process.env as it is when spawned. */
async function startWithEnv(env, options) {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  try {
    return await startSluice({ ...options, log: progress });
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

async function startPlanes({ work, name, count, databaseUrl, schema, leaseMs }) {
  const env = { SLUICE_MASTER_KEY: randomBytes(32).toString('hex'), DATABASE_URL: undefined, SLUICE_LEASE_MS: leaseMs ? String(leaseMs) : undefined, SLUICE_LOG_LEVEL: 'warn' };
  if (schema) {
    const url = new URL(databaseUrl);
    url.searchParams.set('schema', schema);
    env.DATABASE_URL = url.toString();
  }
  const planes = [];
  for (let i = 0; i < count; i++) planes.push(await startWithEnv(env, { home: join(work, `${name}-${i}`) }));
  return planes;
}

async function deploy(api, pkg, stage, rev, strategy) {
  const started = performance.now();
  const response = await fetch(`${api}/api/apps/${pkg.app}/deploy`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ stage, services: [SERVICE], params: { rev: String(rev) }, strategy, actor: 'bench', sources: pkg.sources, bundles: pkg.bundles, functionCode: pkg.functionCode }),
  });
  const body = await response.json();
  return { ok: response.ok, ms: performance.now() - started, body };
}

async function deployThroughput({ work, pkg, setup, settings, databaseUrl, schema }) {
  const planes = await startPlanes({ work, name: setup.id, count: setup.processes, databaseUrl, schema });
  const apis = planes.map((plane) => plane.ready.api);
  const stages = Array.from({ length: settings.clients }, (_, i) => `c${i}`);
  // Warm-up: each stage created and deployed twice (workers, connections, JIT).
  let rev = 0;
  for (let round = 0; round < 2; round++) {
    await Promise.all(stages.map(async (stage, i) => {
      const result = await deploy(apis[i % apis.length], pkg, stage, ++rev);
      if (!result.ok) throw new Error(`warm-up deploy of ${stage} failed: ${JSON.stringify(result.body).slice(0, 300)}`);
    }));
  }
  const latencies = [];
  let failed = 0;
  let firstFailure;
  const start = performance.now();
  const end = start + settings.durationMs;
  await Promise.all(stages.map(async (stage, i) => {
    while (performance.now() < end) {
      const result = await deploy(apis[i % apis.length], pkg, stage, ++rev);
      if (performance.now() > end) break;
      if (result.ok && result.body.services?.[0]?.rollout?.status === 'succeeded') latencies.push(result.ms);
      else {
        failed++;
        firstFailure ??= JSON.stringify(result.body).slice(0, 300);
      }
    }
  }));
  if (firstFailure) progress(`${setup.id}: first failed deploy: ${firstFailure}`);
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    perSecond: latencies.length / (settings.durationMs / 1000),
    completed: latencies.length,
    failed,
    p50: median(latencies),
    p99: sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] : null,
  };
}

/** A process holding a rollout is killed with -9; the survivor's `lease.takeover` entry says when it took over. */
async function takeoverTimes({ work, pkg, settings, databaseUrl, schema }) {
  const db = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
  db.on('error', () => undefined);
  const [survivor] = await startPlanes({ work, name: 'survivor', count: 1, databaseUrl, schema, leaseMs: settings.leaseMs });
  await db.connect();
  const runs = [];
  try {
    for (let run = 0; run < settings.takeovers; run++) {
      const [victim] = await startPlanes({ work, name: `victim-${run}`, count: 1, databaseUrl, schema, leaseMs: settings.leaseMs });
      const stage = `t${run}`;
      await deploy(victim.ready.api, pkg, stage, 1);
      const started = await deploy(victim.ready.api, pkg, stage, 2, { type: 'steps', weights: [50], interval: '10m' });
      const rolloutId = started.body.services?.[0]?.rollout?.id;
      if (!started.ok || !rolloutId) throw new Error(`the rollout did not start: ${JSON.stringify(started.body).slice(0, 300)}`);
      // Kill right after a renewal would be the worst case; a random point in the renewal cycle is typical.
      await sleep(Math.random() * (settings.leaseMs / 4));
      victim.up.child.kill('SIGKILL');
      const killedAt = Date.now();
      await victim.up.exited;
      let takeover;
      while (!takeover && Date.now() - killedAt < 5 * settings.leaseMs) {
        const { rows } = await db.query(`select ts, payload from events where type = 'lease.takeover' and payload like $1`, [`%${rolloutId}%`]);
        takeover = rows[0];
        if (!takeover) await sleep(20);
      }
      if (!takeover) throw new Error(`no takeover of rollout ${rolloutId} within ${5 * settings.leaseMs} ms`);
      runs.push(Number(takeover.ts) - killedAt);
      progress(`takeover ${run + 1}: ${runs.at(-1)} ms after kill -9 (lease period ${settings.leaseMs} ms)`);
      await victim.stop();
    }
  } finally {
    await db.end().catch(() => undefined);
    await survivor.stop();
  }
  return { runs, median: median(runs), max: Math.max(...runs) };
}

function report(results, settings, notes, failures) {
  const sqlite = results.sqlite?.perSecond ?? null;
  const pgOne = results.pg?.perSecond ?? null;
  const pgThree = results.pg3?.perSecond ?? null;
  const lines = [
    `scale bench: deploys through the API (one function, AllAtOnce, a new version each), ${settings.clients} concurrent clients, ` +
      `${settings.durationMs / 1000} s measured after a warm-up · node ${process.version}, ${cpus().length} cores, PostgreSQL on the same machine`,
    '',
  ];
  const rows = [
    ['1 process, SQLite', results.sqlite],
    ['1 process, PostgreSQL', results.pg],
    ['3 processes, one PostgreSQL', results.pg3],
  ].map(([label, r]) => [label, r ? cell(r.perSecond, 1) : '–', r ? cell(round(r.p50)) : '–', r ? cell(round(r.p99)) : '–', r ? cell(r.failed) : '–', times(ratio(r?.perSecond ?? null, sqlite))]);
  lines.push(table(['setup', 'deploys/s', 'p50 ms', 'p99 ms', 'failed', '× SQLite'], rows));
  lines.push('', `3 processes vs 1 on PostgreSQL: ${times(ratio(pgThree, pgOne))}; PostgreSQL vs SQLite (1 process): ${times(ratio(pgOne, sqlite))}`);
  const takeover = results.takeover;
  lines.push('');
  lines.push(table(
    ['lease takeover after kill -9', 'median ms', 'max ms', 'runs ms', 'lease period ms', '× lease period'],
    [['a survivor takes the rollout over', takeover ? cell(round(takeover.median)) : '–', takeover ? cell(round(takeover.max)) : '–', takeover ? takeover.runs.map((ms) => cell(round(ms))).join(' / ') : '–', cell(settings.leaseMs), times(ratio(takeover?.median ?? null, settings.leaseMs))]],
  ));
  for (const failure of failures) notes.push(`failed: ${failure}`);
  if (notes.length > 0) lines.push('', ...notes.map((n) => `note: ${n}`));
  process.stdout.write(`${lines.join('\n')}\n\n`);
  printJsonLine({
    bench: 'scale',
    sqlite_deploys_per_s: round(sqlite, 1),
    pg_deploys_per_s: round(pgOne, 1),
    pg3_deploys_per_s: round(pgThree, 1),
    takeover_ms: round(takeover?.median ?? null),
    takeover_max_ms: round(takeover?.max ?? null),
    lease_ms: settings.leaseMs,
    pg_vs_sqlite: round(ratio(pgOne, sqlite), 2),
    pg3_vs_pg: round(ratio(pgThree, pgOne), 2),
    takeover_vs_lease: round(ratio(takeover?.median ?? null, settings.leaseMs), 2),
    sqlite_p50_ms: round(results.sqlite?.p50 ?? null),
    pg_p50_ms: round(results.pg?.p50 ?? null),
    pg3_p50_ms: round(results.pg3?.p50 ?? null),
    failed_deploys: (results.sqlite?.failed ?? 0) + (results.pg?.failed ?? 0) + (results.pg3?.failed ?? 0),
    clients: settings.clients,
    duration_s: settings.durationMs / 1000,
    cores: cpus().length,
    failed: failures,
  });
  return failures.length > 0 ? 1 : 0;
}
