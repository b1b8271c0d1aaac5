// Three `sluice up` processes on one PostgreSQL share the work (TEST_DATABASE_URL, a schema of its own):
// - a routing change made through one process reaches the gateways of the others through LISTEN/NOTIFY
//   (their polling is stretched to a minute here, so nothing else could bring it);
// - a schedule fires once per run although three gateways fire it;
// - 20 concurrent rollouts started through all three: every step is made once, which the audit timeline
//   proves, and the steps are made by all three processes;
// - a command sent to a process that does not hold the rollout is applied once, by the holder;
// - kill -9 of one process mid-rollout: another takes its rollouts over within one lease period and ends
//   them, each step still once, and the gateways answer every request meanwhile without a 5xx.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployThroughApi, eventually, startCluster, stepsByRollout, type Cluster } from '../support/sluice-cluster.js';
import { packageScaleApp, type ScaleApp } from '../support/scale-app.js';
import { startTraffic } from '../support/traffic.js';

const databaseUrl = process.env.TEST_DATABASE_URL;
const LEASE_MS = 3000;
const STEPS = { type: 'steps', weights: [20, 50], interval: '2s' };

describe.skipIf(!databaseUrl)('three control-plane processes on one PostgreSQL', () => {
  let cluster: Cluster;
  let app: ScaleApp;

  beforeAll(async () => {
    app = await packageScaleApp();
    cluster = await startCluster({ databaseUrl: databaseUrl!, size: 3, leaseMs: LEASE_MS, env: { SLUICE_ROUTING_POLL_MS: '60000' } });
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await app?.remove();
  });

  const api = (i: number) => cluster.planes[i % cluster.planes.length].api;
  const helloOn = (gateway: string, stage: string) => `${gateway}/scale/${stage}/api/hello`;
  const activeRollouts = async (stages: string[]) =>
    Number((await cluster.db.query(`select count(*) from rollouts where status = 'active' and stage = any($1)`, [stages])).rows[0].count);

  /** First deploys (no rollout to speak of: nothing to shift from), a few at a time over the processes. */
  async function firstDeploys(stages: string[]): Promise<void> {
    for (let i = 0; i < stages.length; i += 4) {
      await Promise.all(stages.slice(i, i + 4).map((stage, j) => deployThroughApi(api(i + j), app.api, { stage, services: ['api'] })));
    }
  }

  it('tells the gateways of the other processes about a routing change through LISTEN/NOTIFY', async () => {
    await deployThroughApi(api(0), app.api, { stage: 'notified', services: ['api'] });
    for (const plane of cluster.planes.slice(1)) {
      await eventually(async () => (await fetch(helloOn(plane.gateway, 'notified'))).status === 200, 5000, `the gateway of ${plane.home} to serve the new stage`);
    }
  });

  it('runs each scheduled run once although every gateway fires it', async () => {
    await deployThroughApi(api(1), app.jobs, { stage: 'jobs', services: ['jobs'] });
    // Every second instead of every minute, for a test that lasts seconds; the gateways hear of it at once.
    await cluster.db.query(`update versions set config = replace(config, 'rate(1 minute)', 'rate(1 second)') where function = 'tick'`);
    await cluster.db.query(`update routing_state set generation = generation + 1`);
    await cluster.db.query(`select pg_notify(left('sluice_routing:' || current_schema(), 63), '')`);
    const ticks = await eventually(async () => {
      const { rows } = await cluster.db.query(`select scheduled_at, holder from schedule_ticks where stage = 'jobs' order by scheduled_at`);
      return rows.length >= 5 && rows;
    }, 20_000, 'five scheduled runs');
    // Give the last runs' logs time to be flushed, then count the invocations per scheduled time.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const { rows: logs } = await cluster.db.query(`select message from logs where stage = 'jobs' and function = 'tick' and message like 'tick %'`);
    const invoked = new Map<string, number>();
    for (const { message } of logs as Array<{ message: string }>) invoked.set(message, (invoked.get(message) ?? 0) + 1);
    for (const tick of ticks as Array<{ scheduled_at: string }>) {
      const time = new Date(Number(tick.scheduled_at)).toISOString().replace(/\.\d{3}Z$/, 'Z');
      expect(invoked.get(`tick ${time}`), `runs for ${time}`).toBe(1);
    }
    expect([...invoked.values()].every((count) => count === 1)).toBe(true);
  });

  it('makes every step of 20 concurrent rollouts exactly once, shared by the three processes', async () => {
    const stages = Array.from({ length: 20 }, (_, i) => `s${String(i + 1).padStart(2, '0')}`);
    await firstDeploys(stages);
    const results = await Promise.all(stages.map((stage, i) => deployThroughApi(api(i), app.api, { stage, services: ['api'], params: { edition: '2' }, strategy: STEPS })));
    const rolloutIds = results.map((r) => r.services[0].rollout!.id);
    expect(await activeRollouts(stages)).toBeGreaterThan(0);
    await eventually(async () => (await activeRollouts(stages)) === 0, 45_000, 'the 20 rollouts to end');

    const { rows } = await cluster.db.query(`select id, status from rollouts where id = any($1)`, [rolloutIds]);
    expect(rows.map((r) => r.status)).toEqual(rolloutIds.map(() => 'succeeded'));
    const audit = stepsByRollout(await cluster.events(`type like 'rollout.%'`));
    for (const id of rolloutIds) {
      expect(audit.get(id), `the timeline of rollout ${id}`).toMatchObject({ steps: [20, 50, 100], started: 1, succeeded: 1 });
    }
    const holders = new Set([...audit.values()].flatMap((entry) => [...entry.holders]));
    expect(holders).toEqual(new Set(cluster.planes.map((plane) => cluster.holder(plane))));
    for (const [i, stage] of stages.entries()) {
      const answer = await fetch(helloOn(cluster.planes[(i + 1) % 3].gateway, stage));
      expect(await answer.json()).toEqual({ edition: '2' });
    }
  });

  it('applies a command sent to a process that does not hold the rollout once, through the holder', async () => {
    await deployThroughApi(api(0), app.api, { stage: 'steered', services: ['api'] });
    const started = await deployThroughApi(api(0), app.api, { stage: 'steered', services: ['api'], params: { edition: '2' }, strategy: { ...STEPS, interval: '10m' } });
    const id = started.services[0].rollout!.id;
    const command = async (plane: number, name: string, body: Record<string, unknown> = {}) => {
      const response = await fetch(`${api(plane)}/api/apps/scale/stages/steered/rollouts/api/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(response.status).toBe(200);
      return ((await response.json()) as { rollout: { status: string; state: { paused: boolean; weight: number; phase: string }; lease?: { holder: string } } }).rollout;
    };
    const paused = await command(2, 'pause');
    expect(paused.state).toMatchObject({ paused: true, weight: 20 });
    expect(paused.lease?.holder).toBe(cluster.holder(cluster.planes[0]));
    const promoted = await command(1, 'promote', { full: true });
    // The holder answered once it applied the command: the machine has decided; its last effects (100%
    // weight, the finish) may still be under way, so the record turns `succeeded` a moment later.
    expect(promoted.state.phase).toBe('succeeded');
    await eventually(async () => (await cluster.db.query(`select status from rollouts where id = $1`, [id])).rows[0].status === 'succeeded', 10_000, 'the rollout to finish');
    const timeline = await cluster.events(`payload like '%${id}%'`);
    const made = (type: string) => timeline.filter((e) => e.type === type).map((e) => e.payload.holder);
    expect(made('rollout.paused')).toEqual([cluster.holder(cluster.planes[0])]);
    expect(made('rollout.succeeded')).toEqual([cluster.holder(cluster.planes[0])]);
    const { rows } = await cluster.db.query(`select count(*) from lease_inbox`);
    expect(Number(rows[0].count)).toBe(0);
  });

  it('takes the rollouts of a process killed with -9 over within one lease period, with no 5xx meanwhile', async () => {
    const stages = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'];
    await firstDeploys(stages);
    const victim = cluster.planes[0];
    const survivor = cluster.planes[1];
    const traffic = [startTraffic(helloOn(survivor.gateway, 'k1')), startTraffic(helloOn(victim.gateway, 'k4'))];
    try {
      const results = await Promise.all(stages.map((stage, i) => deployThroughApi(api(i), app.api, { stage, services: ['api'], params: { edition: '2' }, strategy: { ...STEPS, interval: '3s' } })));
      const victimsRollouts = [results[0], results[3]].map((r) => r.services[0].rollout!.id);
      const killedAt = Date.now();
      await cluster.kill9(victim);

      await eventually(async () => (await activeRollouts(stages)) === 0, 45_000, 'every rollout to end');
      const takeovers = await cluster.events(`type = 'lease.takeover'`);
      for (const id of victimsRollouts) {
        const takeover = takeovers.find((e) => e.payload.rolloutId === id);
        expect(takeover?.payload.previousHolder).toBe(cluster.holder(victim));
        expect(takeover!.ts - killedAt).toBeLessThanOrEqual(LEASE_MS + 500);
      }
      const audit = stepsByRollout(await cluster.events(`type like 'rollout.%' and stage = any(array['k1','k2','k3','k4','k5','k6'])`));
      for (const result of results) {
        const id = result.services[0].rollout!.id;
        expect(audit.get(id), `the timeline of rollout ${id}`).toMatchObject({ steps: [20, 50, 100], started: 1, succeeded: 1 });
      }
      const { rows } = await cluster.db.query(`select status from rollouts where id = any($1)`, [results.map((r) => r.services[0].rollout!.id)]);
      expect(rows.map((r) => r.status)).toEqual(stages.map(() => 'succeeded'));
    } finally {
      const reports = await Promise.all(traffic.map((t) => t.stop()));
      for (const report of reports) {
        expect(report.total).toBeGreaterThan(0);
        expect(report.transportErrors).toBe(0);
        expect(Object.keys(report.byStatus)).toEqual(['200']);
      }
    }
  });
});
