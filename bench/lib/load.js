// Load runs with autocannon (programmatic API), farm-bench style: one warm-up, then N measured
// repetitions, reporting the median of each figure, with the server's CPU and peak RSS read from /proc.

import autocannon from 'autocannon';
import { cpuSecondsBetween, cpuSnapshot, hostBusySeconds, sampleRss } from './proc-stats.js';
import { median } from './report.js';

function fire({ url, connections, durationS }) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: durationS, timeout: 10 }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/**
 * Measures `url` served by the process tree rooted at `pid`.
 * Returns medians of req/s (2xx answers per second), p50/p99 latency (ms) and server CPU per request (µs),
 * the peak RSS of the tree (MB) over warm-up and repetitions, and the raw repetitions.
 */
export async function measureLoad({ url, pid, connections = 50, durationS = 10, warmupS = 3, reps = 3, log = () => {} }) {
  const stopSampling = sampleRss(pid);
  try {
    log(`warm-up ${warmupS} s`);
    await fire({ url, connections, durationS: warmupS });
    const runs = [];
    for (let i = 1; i <= reps; i++) {
      const before = cpuSnapshot(pid);
      const hostBefore = hostBusySeconds();
      const benchBefore = process.cpuUsage();
      const result = await fire({ url, connections, durationS });
      const cpuSeconds = cpuSecondsBetween(before, cpuSnapshot(pid));
      // Whatever else ran on the host meanwhile (not the server, not this load generator): a noisy neighbour.
      const bench = process.cpuUsage(benchBefore);
      const hostAfter = hostBusySeconds();
      const otherCores = hostBefore === null ? null : Math.max(0, hostAfter - hostBefore - cpuSeconds - (bench.user + bench.system) / 1e6) / result.duration;
      const completed = result.requests.total;
      const run = {
        rps: result['2xx'] / result.duration,
        p50: result.latency.p50,
        p99: result.latency.p99,
        cpuUsPerReq: completed > 0 ? (cpuSeconds * 1e6) / completed : null,
        completed,
        ok: result['2xx'],
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
        otherCores,
      };
      runs.push(run);
      log(
        `run ${i}/${reps}: ${Math.round(run.rps)} req/s, p99 ${run.p99} ms, non-2xx ${run.non2xx}, errors ${run.errors}, ` +
          `other processes ${otherCores === null ? '?' : otherCores.toFixed(2)} cores`,
      );
    }
    return {
      rps: median(runs.map((r) => r.rps)),
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      cpuUsPerReq: median(runs.map((r) => r.cpuUsPerReq).filter((v) => v !== null)),
      non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
      errors: runs.reduce((sum, r) => sum + r.errors, 0),
      peakRssMb: stopSampling(),
      maxOtherCores: Math.max(...runs.map((r) => r.otherCores ?? 0)),
      runs,
    };
  } finally {
    stopSampling();
  }
}
