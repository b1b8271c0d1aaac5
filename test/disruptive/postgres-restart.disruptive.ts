// PostgreSQL restarts in the middle of rollouts driven by two control-plane processes. Nothing advances
// without a durable write: no rollout entry is stamped while the database is down, and every step is still
// made exactly once. Everything resumes: the processes and gateways stay up, the gateways answer every
// request meanwhile from the routing they hold, the rollouts end, and a new deploy works.
// It restarts the local cluster (`pg_ctlcluster --skip-systemctl-redirect <version> main restart`; the
// version is the one under /etc/postgresql, or TEST_PG_CLUSTER="15 main"), which disturbs every other test
// on that server, so it runs alone: vitest.disruptive.config.ts, after the main suite in `npm test`.

import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployThroughApi, eventually, startCluster, stepsByRollout, type Cluster } from '../support/sluice-cluster.js';
import { packageScaleApp, type ScaleApp } from '../support/scale-app.js';
import { startTraffic } from '../support/traffic.js';

const databaseUrl = process.env.TEST_DATABASE_URL;
const LEASE_MS = 3000;

function localCluster(): string[] | undefined {
  if (process.env.TEST_PG_CLUSTER) return process.env.TEST_PG_CLUSTER.split(/\s+/);
  if (!existsSync('/etc/postgresql') || !existsSync('/usr/bin/pg_ctlcluster')) return undefined;
  const version = readdirSync('/etc/postgresql').filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a))[0];
  return version ? [version, 'main'] : undefined;
}

function restartPostgres(cluster: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('pg_ctlcluster', ['--skip-systemctl-redirect', ...cluster, 'restart'], (error, _stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve()));
  });
}

/** Probes the server every 25 ms with fresh connections; returns when it went down and when it answered again. */
function watchOutage(url: string): { stop(): Promise<{ downAt: number | null; upAt: number | null }> } {
  let running = true;
  let downAt: number | null = null;
  let upAt: number | null = null;
  const probing = (async () => {
    while (running) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
      client.on('error', () => undefined);
      const at = Date.now();
      const ok = await client.connect().then(() => client.query('select 1')).then(() => true, () => false);
      await client.end().catch(() => undefined);
      if (!ok && downAt === null) downAt = at;
      if (ok && downAt !== null && upAt === null) upAt = at;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  return {
    async stop() {
      running = false;
      await probing;
      return { downAt, upAt };
    },
  };
}

const pgCluster = localCluster();

describe.skipIf(!databaseUrl || !pgCluster)('a PostgreSQL restart in the middle of rollouts', () => {
  let cluster: Cluster;
  let app: ScaleApp;

  beforeAll(async () => {
    app = await packageScaleApp();
    cluster = await startCluster({ databaseUrl: databaseUrl!, size: 2, leaseMs: LEASE_MS });
  });

  afterAll(async () => {
    await cluster?.stop();
    await app?.remove();
  });

  it('advances nothing without a durable write, and resumes everything', async () => {
    const stages = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];
    const api = (i: number) => cluster.planes[i % 2].api;
    for (const [i, stage] of stages.entries()) await deployThroughApi(api(i), app.api, { stage, services: ['api'] });
    const traffic = cluster.planes.map((plane, i) => startTraffic(`${plane.gateway}/scale/${stages[i]}/api/hello`));
    const strategy = { type: 'steps', weights: [20, 50], interval: '3s' };
    const results = await Promise.all(stages.map((stage, i) => deployThroughApi(api(i), app.api, { stage, services: ['api'], params: { edition: '2' }, strategy })));
    const ids = results.map((r) => r.services[0].rollout!.id);

    const outage = watchOutage(databaseUrl!);
    await restartPostgres(pgCluster!);
    // The probe sees the server answer again shortly after the restart command returns.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { downAt, upAt } = await outage.stop();
    expect(downAt).not.toBeNull();
    expect(upAt).not.toBeNull();

    await cluster.reconnect();
    await eventually(async () => Number((await cluster.db.query(`select count(*) from rollouts where id = any($1) and status = 'active'`, [ids])).rows[0].count) === 0, 60_000, 'the rollouts to end')
      .catch(async (error: Error) => {
        const { rows: stuck } = await cluster.db.query(`select stage, revision, wake_at, lease_holder, lease_token, lease_expires_at, state from rollouts where id = any($1) and status = 'active'`, [ids]);
        throw new Error(`${error.message} at ${Date.now()}; still active: ${JSON.stringify(stuck.map((r) => ({ ...r, state: undefined, phase: JSON.parse(r.state).phase, weight: JSON.parse(r.state).weight })))}`);
      });

    for (const plane of cluster.planes) expect(plane.process.exitCode, `sluice up of ${plane.home}`).toBeNull();
    const events = await cluster.events(`type like 'rollout.%' and stage = any(array['r1','r2','r3','r4','r5','r6'])`);
    const audit = stepsByRollout(events);
    for (const id of ids) expect(audit.get(id), `the timeline of rollout ${id}`).toMatchObject({ steps: [20, 50, 100], started: 1, succeeded: 1 });
    // Nothing was stamped while the server was down: a transition is written before anything follows from it.
    const whileDown = events.filter((e) => e.ts > downAt! + 250 && e.ts < upAt! - 250);
    expect(whileDown).toEqual([]);
    // The restart came in the middle: steps before it, and steps after it.
    const steps = events.filter((e) => e.type === 'rollout.step');
    expect(steps.some((e) => e.ts < downAt!)).toBe(true);
    expect(steps.some((e) => e.ts > upAt!)).toBe(true);
    const { rows } = await cluster.db.query(`select status from rollouts where id = any($1)`, [ids]);
    expect(rows.map((r) => r.status)).toEqual(ids.map(() => 'succeeded'));

    for (const [i, report] of (await Promise.all(traffic.map((t) => t.stop()))).entries()) {
      expect(report.total).toBeGreaterThan(0);
      // When a gateway stopped answering, its own log says why.
      const gatewayLog = () => readFileSync(join(cluster.planes[i].home, 'gateway.log'), 'utf8').split('\n').slice(-30).join('\n');
      expect(report.transportErrors, report.transportErrors > 0 ? gatewayLog() : '').toBe(0);
      expect(Object.keys(report.byStatus)).toEqual(['200']);
    }
    // Both processes deploy again, and both gateways serve what they deployed.
    for (const [i, plane] of cluster.planes.entries()) {
      await deployThroughApi(plane.api, app.api, { stage: stages[i], services: ['api'], params: { edition: '3' } });
      const served = await eventually(async () => {
        const answer = (await (await fetch(`${cluster.planes[1 - i].gateway}/scale/${stages[i]}/api/hello`)).json()) as { edition: string };
        return answer.edition === '3' && answer;
      }, 5000, `edition 3 of ${stages[i]}`);
      expect(served).toEqual({ edition: '3' });
    }
  });
});
