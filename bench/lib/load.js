// Load runs with autocannon (programmatic API), farm-bench style: a warm-up, then N measured repetitions,
// reporting the median of each figure, with the server's CPU and peak RSS read from /proc. The caller
// interleaves contenders repetition by repetition, so a noisy neighbour on a shared host hits every
// contender alike instead of skewing one of them; each run also says how much CPU other processes took.

import autocannon from 'autocannon';
import { cpuSecondsBetween, cpuSnapshot, hostBusySeconds } from './proc-stats.js';
import { median } from './report.js';

function fire({ url, connections, durationS }) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: durationS, timeout: 10 }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

export async function warmUp({ url, connections, warmupS }) {
  await fire({ url, connections, durationS: warmupS });
}

/**
 * One measured run of `url`, served by the process tree rooted at `pid`: req/s (2xx answers per second),
 * p50/p99 latency (ms, autocannon's 1 ms resolution), server CPU per request (µs), and `otherCores`, the
 * CPU that processes other than the server and this load generator used meanwhile (in cores).
 */
export async function measureOnce({ url, pid, connections, durationS }) {
  const before = cpuSnapshot(pid);
  const hostBefore = hostBusySeconds();
  const benchBefore = process.cpuUsage();
  const result = await fire({ url, connections, durationS });
  const cpuSeconds = cpuSecondsBetween(before, cpuSnapshot(pid));
  const bench = process.cpuUsage(benchBefore);
  const hostAfter = hostBusySeconds();
  const completed = result.requests.total;
  return {
    rps: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuUsPerReq: completed > 0 ? (cpuSeconds * 1e6) / completed : null,
    completed,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    otherCores:
      hostBefore === null ? null : Math.max(0, hostAfter - hostBefore - cpuSeconds - (bench.user + bench.system) / 1e6) / result.duration,
  };
}

/** Medians of the repetitions (each figure on its own), totals of failures, and the noisiest run. */
export function summarize(runs, peakRssMb) {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    cpuUsPerReq: median(runs.map((r) => r.cpuUsPerReq)),
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    maxOtherCores: Math.max(0, ...runs.map((r) => r.otherCores ?? 0)),
    peakRssMb,
    runs,
  };
}

export function describeRun(run) {
  const other = run.otherCores === null ? '?' : run.otherCores.toFixed(2);
  return `${Math.round(run.rps)} req/s, p99 ${run.p99} ms, non-2xx ${run.non2xx}, errors ${run.errors}, other processes ${other} cores`;
}
