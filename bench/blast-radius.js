// `npm run bench -- blast-radius`: how many users a bad release reaches before Sluice takes it back.
// - One `sluice up`, a one-function app answering 200. Per run, a fresh stage gets the good version, then
//   200 req/s of steady open-loop traffic (timer-paced: requests leave on schedule whatever the answers do),
//   then the bad version (same code, `--param fail=1`: its handler throws on every call) with
//   Canary10Percent5Minutes and one alarm { errorRate > 0.05, period 1s, evaluationPeriods 1,
//   minInvocations 5 }.
// - Without a hook, the alarm must catch it: we count the 5xx answers users got (x-sluice-version says
//   which version answered) and the time from the first failed request to 100% back on the old version.
// - With a preTraffic hook (`src/hooks.check` calls the new version through its pin header before any user
//   does), the release must never reach a user.
// - Each scenario runs 3 times (fresh stage each); median and max. CodeDeploy's figure for the same traffic
//   is computed, not measured: see codedeployEstimate below.
//
// Why minInvocations 5: the alarm cannot fire before it has seen N failed calls, so N is a floor on the
// blast radius. At 10% of 200 req/s the canary gets 20 req/s: 5 calls take 250 ms, leaving ~750 ms of the
// 20-request budget for the gateway's metric flush (100 ms), the analysis cadence (250 ms) and the
// rollback. With a 5% threshold one error in fewer than 20 calls trips the alarm anyway, so a larger N
// would delay the verdict without steadying it.
//
// Failed requests are every 5xx answer users got during the run (before the rollback, and any after it).
// Rollback time runs from the first failed request (when it was sent) to 100% back on the old version: the
// later of the rollout's `rollback` event (recorded once the gateway serves the old routing) and the last
// failed answer. Taking the earlier of the two instead would credit the gap the canary's random 10% share
// happens to leave before the switch; it is printed too, as is the time from the start of the first failed
// one-second bucket.
//
// Options: --reps N (default 3), --rate R (req/s, default 200), --timeline (per run, the rollout's events
// and the failed requests, in ms from the canary's first weight, on stderr).

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { removeOnExit, sleep, stopAll } from './lib/processes.js';
import { cell, goalRow, median, printJsonLine, progress, ratio, round, table, times } from './lib/report.js';
import { CLI, startSluice } from './lib/sluice.js';

const APP = 'blast';
const SERVICE = 'api';
const STRATEGY = 'Canary10Percent5Minutes';
const CANARY_SHARE = 0.1;
const ALARM_PERIOD_MS = 1000;
const MIN_INVOCATIONS = 5;
/** Goals of issue 3. */
const GOAL_FAILED = 20;
const GOAL_ROLLBACK_MS = ALARM_PERIOD_MS;
/** Traffic on the good version before the bad one is released: its worker is warm, metrics flow. */
const WARM_MS = 1500;
/** Traffic kept after the rollout ended, so a late failure would be counted. */
const TAIL_MS = 1000;
/** A rollout not decided by then is a miss (its 5 minutes would blow the bench's budget): aborted. */
const DECIDE_WITHIN_MS = 20_000;
/**
 * CodeDeploy (with CloudWatch alarms, whose shortest standard period is 60 s) cannot roll back before one
 * full period of failing canary traffic has been aggregated: canary share × rate × 60 s. A lower bound:
 * CloudWatch adds its own ingestion and evaluation delay, and CodeDeploy polls alarms on top.
 */
const CODEDEPLOY_PERIOD_S = 60;
const codedeployEstimate = (rate) => Math.round(CANARY_SHARE * rate * CODEDEPLOY_PERIOD_S);

const HANDLER = `// Written by bench/blast-radius.js. FAIL=1 makes every call throw: the bad release.
export const hello = async () => {
  if (process.env.FAIL === '1') throw new Error('this release fails every request');
  return { statusCode: 200, body: '{"ok":true}' };
};
`;

// The pre-traffic hook: calls each new version through its pin header, before any user reaches it.
const HOOKS = `// Written by bench/blast-radius.js.
export async function check(event) {
  for (const fn of event.functions) {
    const response = await fetch(\`\${fn.url}/hello\`, { headers: fn.headers });
    if (response.status !== 200) return { status: 'Failed', reason: \`\${fn.function} answered \${response.status} to the pre-traffic check\` };
  }
  return { status: 'Succeeded' };
}
`;

function serviceManifest({ hook }) {
  return `service: ${SERVICE}
deployment:
  alarms:
    - { metric: errorRate, threshold: 0.05, period: 1s, evaluationPeriods: 1, minInvocations: ${MIN_INVOCATIONS} }
${hook ? '  hooks: { preTraffic: src/hooks.check }\n' : ''}functions:
  hello:
    handler: src/handler.hello
    concurrency: 1000
    environment:
      FAIL: \${param:fail, '0'}
    events: [ { http: GET /hello } ]
`;
}

async function writeApp(dir, { hook }) {
  await mkdir(join(dir, SERVICE, 'src'), { recursive: true });
  await writeFile(join(dir, 'sluice.app.yml'), `app: ${APP}\nservices: [${SERVICE}]\n`);
  await writeFile(join(dir, SERVICE, 'sluice.yml'), serviceManifest({ hook }));
  await writeFile(join(dir, SERVICE, 'src', 'handler.mjs'), HANDLER);
  if (hook) await writeFile(join(dir, SERVICE, 'src', 'hooks.mjs'), HOOKS);
}

export async function blastRadiusBench(argv = []) {
  const { values } = parseArgs({
    args: argv,
    options: { reps: { type: 'string', default: '3' }, rate: { type: 'string', default: '200' }, timeline: { type: 'boolean', default: false } },
  });
  const reps = Number(values.reps);
  const rate = Number(values.rate);
  const work = await mkdtemp(join(tmpdir(), 'sluice-bench-blast-'));
  removeOnExit(work);
  const runs = { withoutHook: [], withHook: [] };
  const notes = [];
  let failure;
  try {
    const apps = { withoutHook: join(work, 'app-plain'), withHook: join(work, 'app-hooked') };
    await writeApp(apps.withoutHook, { hook: false });
    await writeApp(apps.withHook, { hook: true });
    const sluice = await startSluice({ home: join(work, 'home'), log: progress });
    const api = sluice.ready.api;
    for (let i = 1; i <= reps; i++) {
      for (const scenario of ['withoutHook', 'withHook']) {
        const stage = `${scenario === 'withHook' ? 'hooked' : 'plain'}-${i}`;
        const run = await blastRun({ api, appDir: apps[scenario], stage, rate, notes, timeline: values.timeline });
        runs[scenario].push(run);
        progress(
          `${scenario === 'withHook' ? 'with hook   ' : 'without hook'} run ${i}/${reps}: ${run.outcome} (${run.reason ?? 'no reason'}); ` +
            `${run.failed} failed of ${run.sent} sent, ${run.newAnswers} answers by the new version, rollback ${run.rollbackMs === null ? '–' : `${Math.round(run.rollbackMs)} ms`}`,
        );
      }
    }
  } catch (error) {
    failure = error.message.split('\n')[0];
    progress(`blast-radius bench failed: ${error.stack ?? error.message}`);
  } finally {
    await stopAll();
    await rm(work, { recursive: true, force: true });
  }
  return report(runs, { rate, reps }, notes, failure);
}

/** One release of the bad version into a fresh stage under steady traffic. */
async function blastRun({ api, appDir, stage, rate, notes, timeline }) {
  const good = await sluiceJson(['deploy', '--stage', stage, '--wait', '--json'], { cwd: appDir, api });
  if (good.code !== 0) throw new Error(`the good version did not deploy to ${stage}: ${good.stderr.trim() || good.stdout.trim()}`);
  const service = good.result.services[0];
  const oldVersion = String(service.functions[0].version);
  const events = await subscribeEvents(api, { app: APP, stage });
  const traffic = startOpenLoop(`${service.url}/hello`, rate);
  try {
    await sleep(WARM_MS);
    const bad = await sluiceJson(['deploy', '--stage', stage, '--param', 'fail=1', '--strategy', STRATEGY, '--json'], { cwd: appDir, api });
    const rollout = bad.result?.services?.[0]?.rollout;
    if (!rollout?.id) throw new Error(`the bad release did not start a rollout in ${stage}: ${bad.stderr.trim() || bad.stdout.trim()}`);
    const newVersion = String(bad.result.services[0].functions[0].version);
    let end = await events.waitFor((e) => e.payload?.rolloutId === rollout.id && ['rollout.failed', 'rollout.aborted', 'rollout.succeeded'].includes(e.type), DECIDE_WITHIN_MS);
    if (!end) {
      notes.push(`${stage}: the rollout was not decided within ${DECIDE_WITHIN_MS / 1000} s; aborted by the bench`);
      await sluiceJson(['rollout', 'abort', '--stage', stage, '--service', SERVICE, '--json'], { cwd: appDir, api });
      end = await events.waitFor((e) => e.payload?.rolloutId === rollout.id && e.type === 'rollout.aborted', 10_000);
    }
    await sleep(TAIL_MS);
    const answers = await traffic.stop();
    const ofRollout = events.list.filter((e) => e.payload?.rolloutId === rollout.id);
    const rollbackEvent = ofRollout.find((e) => e.type === 'rollout.rollback');
    // The canary's first weight: the first `step` event (none when the hook stopped it before any traffic).
    const shiftEvent = ofRollout.find((e) => e.type === 'rollout.step');
    if (timeline) printTimeline(stage, ofRollout, answers, shiftEvent?.ts ?? ofRollout[0]?.ts ?? 0);
    return measure({ answers, sent: traffic.sent(), transportErrors: traffic.transportErrors(), oldVersion, newVersion, end, rollbackEvent, shiftEvent });
  } finally {
    await traffic.stop();
    events.close();
  }
}

function printTimeline(stage, events, answers, origin) {
  const at = (t) => Math.round(t - origin);
  process.stderr.write(`  ${stage} events (ms): ${events.map((e) => `${e.type.replace('rollout.', '')}@${at(e.ts)}`).join(' ')}\n`);
  const failed = answers.filter((a) => a.status >= 500).sort((a, b) => a.sentAt - b.sentAt);
  process.stderr.write(`  ${stage} failed requests (sent→answered, ms): ${failed.map((a) => `${at(a.sentAt)}→${at(a.doneAt)}`).join(' ') || 'none'}\n`);
}

/** The figures of one run (definitions in the header). */
function measure({ answers, sent, transportErrors, oldVersion, newVersion, end, rollbackEvent, shiftEvent }) {
  const failedAnswers = answers.filter((a) => a.status >= 500);
  const firstFailedAt = failedAnswers.length > 0 ? Math.min(...failedAnswers.map((a) => a.sentAt)) : null;
  const lastFailedAt = failedAnswers.length > 0 ? Math.max(...failedAnswers.map((a) => a.doneAt)) : null;
  const rollbackAt = rollbackEvent?.ts ?? null;
  const oldAgainAt = [rollbackAt, lastFailedAt].filter((t) => t !== null);
  const firstBucket = firstFailedAt === null ? null : Math.floor(firstFailedAt / 1000) * 1000;
  return {
    outcome: end ? end.type.replace('rollout.', '') : 'undecided',
    reason: end?.payload?.message?.replace(/^Rollout \w+: all traffic is back on the old versions \((.*)\)$/, '$1') ?? null,
    sent,
    answered: answers.length,
    transportErrors,
    failed: failedAnswers.length,
    failedByOld: failedAnswers.filter((a) => a.version === oldVersion).length,
    newAnswers: answers.filter((a) => a.version === newVersion).length,
    lateFailures: rollbackAt === null ? 0 : failedAnswers.filter((a) => a.sentAt > rollbackAt).length,
    rollbackMs: firstFailedAt === null || oldAgainAt.length === 0 ? null : Math.max(...oldAgainAt) - firstFailedAt,
    rollbackFirstOfMs: firstFailedAt === null || oldAgainAt.length === 0 ? null : Math.min(...oldAgainAt) - firstFailedAt,
    rollbackFromBucketMs: firstBucket === null || rollbackAt === null ? null : rollbackAt - firstBucket,
    shiftToRollbackMs: shiftEvent === undefined || rollbackAt === null ? null : rollbackAt - shiftEvent.ts,
  };
}

/**
 * Open-loop load: a 1 ms timer sends whatever the schedule says is due (rate × elapsed), without waiting for
 * answers, so a slow or failing server does not slow the offered load (no coordinated omission).
 */
function startOpenLoop(url, rate) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const answers = [];
  let sent = 0;
  let inFlight = 0;
  let transportErrors = 0;
  let running = true;
  let timer;
    const started = performance.now();
  const fire = () => {
    const sentAt = Date.now();
    inFlight++;
    const request = http.get(url, { agent }, (response) => {
      response.resume();
      response.on('end', () => {
        inFlight--;
        answers.push({ status: response.statusCode, version: response.headers['x-sluice-version'] ?? null, sentAt, doneAt: Date.now() });
      });
    });
    request.on('error', () => {
      inFlight--;
      transportErrors++;
    });
  };
  const tick = () => {
    if (!running) return;
    const due = Math.floor(((performance.now() - started) * rate) / 1000);
    while (sent < due) {
      sent++;
      fire();
    }
    timer = setTimeout(tick, 1);
  };
  tick();
  let stopping;
  return {
    sent: () => sent,
    transportErrors: () => transportErrors,
    stop() {
      stopping ??= (async () => {
        running = false;
        clearTimeout(timer);
        const deadline = Date.now() + 5000;
        while (inFlight > 0 && Date.now() < deadline) await sleep(5);
        agent.destroy();
        return answers;
      })();
      return stopping;
    },
  };
}

/** Follows the control plane's SSE stream for one stage; keeps every event and lets a caller wait for one. */
async function subscribeEvents(api, { app, stage }) {
  const controller = new AbortController();
  const list = [];
  const waiters = new Set();
  const response = await fetch(`${api}/api/events?app=${encodeURIComponent(app)}&stage=${encodeURIComponent(stage)}`, {
    headers: { accept: 'text/event-stream' },
    signal: controller.signal,
  });
  if (!response.ok) throw new Error(`GET /api/events answered ${response.status}`);
  let ready;
  const readyPromise = new Promise((resolve) => (ready = resolve));
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let endAt;
        while ((endAt = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, endAt);
          buffer = buffer.slice(endAt + 2);
          if (/^event: ready$/m.test(block)) ready();
          const data = block.split('\n').find((line) => line.startsWith('data:'));
          if (!data) continue;
          const event = JSON.parse(data.slice(5));
          if (typeof event.type !== 'string') continue;
          list.push(event);
          for (const waiter of waiters) waiter(event);
        }
      }
    } catch (error) {
      if (error.name !== 'AbortError') progress(`event stream ended: ${error.message}`);
    }
  })();
  await Promise.race([readyPromise, sleep(5000)]);
  return {
    list,
    /** Resolves with the first event (seen so far or coming) that matches, or null after timeoutMs. */
    waitFor(accept, timeoutMs) {
      const seen = list.find(accept);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          resolve(null);
        }, timeoutMs);
        const waiter = (event) => {
          if (!accept(event)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(event);
        };
        waiters.add(waiter);
      });
    },
    close: () => controller.abort(),
  };
}

/** Runs a CLI command; resolves with its exit code and parsed JSON (a deploy whose rollout failed exits 1). */
function sluiceJson(args, { cwd, api }) {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, SLUICE_URL: api }, maxBuffer: 16 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) => {
      let result = null;
      const start = stdout.indexOf('{');
      if (start >= 0) {
        try {
          result = JSON.parse(stdout.slice(start));
        } catch {
          // not JSON
        }
      }
      resolve({ code: error ? (error.code ?? 1) : 0, result, stdout, stderr });
    });
  });
}

function report(runs, { rate, reps }, notes, failure) {
  const without = runs.withoutHook;
  const hooked = runs.withHook;
  const med = (list, key) => median(list.map((r) => r[key]));
  const max = (list, key) => {
    const values = list.map((r) => r[key]).filter((v) => typeof v === 'number');
    return values.length === 0 ? null : Math.max(...values);
  };
  const estimate = codedeployEstimate(rate);
  const failedWithout = med(without, 'failed');
  const failedWith = med(hooked, 'failed');
  const rollbackMs = med(without, 'rollbackMs');
  const lines = [
    `blast-radius bench: ${rate} req/s open-loop on loopback, bad release (fails every request) under ${STRATEGY}, ` +
      `alarm errorRate > 0.05 over 1 s, minInvocations ${MIN_INVOCATIONS}; ${reps} run(s) per scenario, median (max) · node ${process.version}, ${cpus().length} cores`,
    '',
  ];
  const all = (list, key) => list.map((r) => (r[key] === null ? '–' : cell(round(r[key])))).join(' / ');
  const pair = (list, key) => `${cell(round(med(list, key)))} (${cell(round(max(list, key)))})`;
  // How many times fewer failed requests than CodeDeploy's lower bound.
  const fewer = (failed) => (failed === 0 ? '∞ (none failed)' : times(ratio(estimate, failed)));
  lines.push(
    table(
      ['scenario', 'failed requests', 'runs', 'first failure → 100% old, ms', 'runs ms', 'vs CodeDeploy', 'outcome'],
      [
        ['Sluice, alarm only', pair(without, 'failed'), all(without, 'failed'), pair(without, 'rollbackMs'), all(without, 'rollbackMs'), `${fewer(failedWithout)} fewer`, outcomes(without)],
        ['Sluice, preTraffic hook', pair(hooked, 'failed'), all(hooked, 'failed'), '–', '', `${fewer(failedWith)}`, outcomes(hooked)],
        ['peer: CodeDeploy, 1-min alarm (computed)', `≥ ${cell(estimate)}`, '', `≥ ${cell(CODEDEPLOY_PERIOD_S * 1000)}`, '', '1×', 'estimate'],
      ],
    ),
  );
  lines.push('');
  lines.push(
    `CodeDeploy: ${CANARY_SHARE * 100}% × ${rate} req/s × ${CODEDEPLOY_PERIOD_S} s (one full 1-minute alarm period of failing canary traffic before the alarm can fire) ` +
      `= ${cell(estimate)} failed requests, a lower bound (CloudWatch's delay and CodeDeploy's alarm polling come on top).`,
  );
  lines.push(
    `Rollback time: from the first failed request's send time to the later of the rollback event and the last failed answer. ` +
      `Medians with other bounds: to the earlier of the two ${cell(round(med(without, 'rollbackFirstOfMs')))} ms; ` +
      `from the start of the first failed one-second bucket ${cell(round(med(without, 'rollbackFromBucketMs')))} ms; ` +
      `from the canary's first weight to the rollback event ${cell(round(med(without, 'shiftToRollbackMs')))} ms.`,
  );
  lines.push('');
  const check = (value, limit) => (value === null ? null : value <= limit);
  const goalRows = [
    goalRow('failed requests, alarm only', `≤ ${GOAL_FAILED} (max of runs)`, `${cell(max(without, 'failed'))}`, check(max(without, 'failed'), GOAL_FAILED)),
    goalRow('rollback time, alarm only', `≤ 1 period (${GOAL_ROLLBACK_MS} ms, max of runs)`, `${cell(round(max(without, 'rollbackMs')))} ms`, check(max(without, 'rollbackMs'), GOAL_ROLLBACK_MS)),
    goalRow('failed requests, with preTraffic hook', '0 (every run)', `${cell(max(hooked, 'failed'))}`, check(max(hooked, 'failed'), 0)),
  ];
  lines.push(table(['goal', 'target', 'measured', ''], goalRows));
  const anomalies = [
    ...[...without, ...hooked].filter((r) => r.transportErrors > 0).map((r) => `${r.transportErrors} requests got no HTTP answer`),
    ...[...without, ...hooked].filter((r) => r.failedByOld > 0).map((r) => `${r.failedByOld} failures came from the old version`),
    ...without.filter((r) => r.outcome !== 'failed').map((r) => `an alarm-only run ended ${r.outcome}, not rolled back by its alarm`),
    ...hooked.filter((r) => r.newAnswers > 0).map((r) => `the hook did not keep users away: ${r.newAnswers} answers by the new version`),
  ];
  for (const text of anomalies) if (!notes.includes(text)) notes.push(text);
  if (failure) notes.push(`failed: ${failure}`);
  if (notes.length > 0) lines.push('', ...notes.map((n) => `note: ${n}`));
  process.stdout.write(`${lines.join('\n')}\n\n`);

  const missed = goalRows.filter((g) => g[3] === 'MISSED').map((g) => g[0]);
  printJsonLine({
    bench: 'blast-radius',
    rate_rps: rate,
    runs_per_scenario: reps,
    failed_without_hook: failedWithout,
    failed_without_hook_max: max(without, 'failed'),
    failed_with_hook: failedWith,
    failed_with_hook_max: max(hooked, 'failed'),
    rollback_ms: round(rollbackMs),
    rollback_ms_max: round(max(without, 'rollbackMs')),
    rollback_first_of_ms: round(med(without, 'rollbackFirstOfMs')),
    rollback_from_bucket_ms: round(med(without, 'rollbackFromBucketMs')),
    shift_to_rollback_ms: round(med(without, 'shiftToRollbackMs')),
    codedeploy_failed_estimate: estimate,
    codedeploy_vs_sluice: round(ratio(estimate, failedWithout), 1),
    min_invocations: MIN_INVOCATIONS,
    outcomes_without_hook: without.map((r) => r.outcome),
    outcomes_with_hook: hooked.map((r) => r.outcome),
    goals_missed: missed,
    failed: failure ? [failure] : [],
  });
  return failure || missed.length > 0 ? 1 : 0;
}

function outcomes(list) {
  const counts = {};
  for (const r of list) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
  return Object.entries(counts).map(([outcome, n]) => `${outcome} ×${n}`).join(', ') || '–';
}
