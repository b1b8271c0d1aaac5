// Steady test traffic against a gateway URL: a few sequential keep-alive clients, recording the status and
// the `x-sluice-version` of every answer, until stopped. Loopback only.

import { ApiClient } from '../../src/cli/api-client.js';

export interface TrafficReport {
  total: number;
  byStatus: Record<number, number>;
  byVersion: Record<string, number>;
  /** Requests that got no HTTP answer at all (connection refused or reset). */
  transportErrors: number;
  /** Status and version of every answer, in order of completion. */
  answers: Array<{ status: number; version: string | null }>;
}

export interface Traffic {
  report(): TrafficReport;
  stop(): Promise<TrafficReport>;
}

export function startTraffic(url: string, options: { clients?: number; headers?: Record<string, string> } = {}): Traffic {
  const report: TrafficReport = { total: 0, byStatus: {}, byVersion: {}, transportErrors: 0, answers: [] };
  let running = true;
  const client = async () => {
    while (running) {
      try {
        const response = await fetch(url, { headers: options.headers });
        await response.arrayBuffer();
        const version = response.headers.get('x-sluice-version');
        report.total += 1;
        report.byStatus[response.status] = (report.byStatus[response.status] ?? 0) + 1;
        if (version) report.byVersion[version] = (report.byVersion[version] ?? 0) + 1;
        report.answers.push({ status: response.status, version });
      } catch {
        report.total += 1;
        report.transportErrors += 1;
        // Do not spin when the server is gone: wait for the next event-loop turn.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  };
  const clients = Array.from({ length: options.clients ?? 3 }, () => client());
  return {
    report: () => report,
    async stop() {
      running = false;
      await Promise.all(clients);
      return report;
    },
  };
}

/** Resolves with the first server-sent event of the control plane that satisfies `accept`. */
export async function waitForEvent(api: string, query: string, accept: (event: { type: string; payload: Record<string, unknown> }) => boolean, signal?: AbortSignal): Promise<{ type: string; payload: Record<string, unknown> }> {
  const stop = new AbortController();
  signal?.addEventListener('abort', () => stop.abort());
  let found: { type: string; payload: Record<string, unknown> } | undefined;
  await new ApiClient(api, undefined).events(`/api/events?${query}&after=0`, (message) => {
    const event = JSON.parse(message.data) as { type: string; payload: Record<string, unknown> };
    if (found === undefined && accept(event)) {
      found = event;
      stop.abort();
    }
  }, stop.signal);
  if (!found) throw new Error('the event stream ended before the awaited event');
  return found;
}
