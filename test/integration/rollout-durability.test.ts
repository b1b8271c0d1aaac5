// Kill -9 the control plane in the middle of a canary: the gateway keeps serving the last persisted
// weights with no error, and a restarted control plane resumes the rollout to its end.

import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeployResult, StageInfo } from '../../src/engine/index.js';
import { ROOT, runCliJson, startUp, tempDir, type RunningControlPlane } from '../support/sluice-process.js';
import { startTraffic, waitForEvent } from '../support/traffic.js';

let plane: RunningControlPlane;
let home: Awaited<ReturnType<typeof tempDir>>;
let app: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  home = await tempDir('sluice-durable-home-');
  app = await tempDir('sluice-durable-app-');
  await cp(join(ROOT, 'test', 'fixtures', 'canary-app'), app.path, { recursive: true });
  // This test is about durability, not alarms: without them a loaded machine cannot fail the canary on latency.
  const manifest = join(app.path, 'api', 'sluice.yml');
  await writeFile(manifest, (await readFile(manifest, 'utf8')).replace(/deployment:\n {2}alarms:\n( {4}- .*\n)+/, ''));
  plane = await startUp({ home: home.path });
});

afterAll(async () => {
  await plane?.stop();
  await app?.remove();
  await home?.remove();
});

describe('a control plane killed mid-rollout', () => {
  it('keeps serving while down and resumes the rollout after a restart', async () => {
    const deploy = (args: string[]) => runCliJson<DeployResult>(['deploy', '--stage', 'durable', ...args], { cwd: app.path, server: plane.api });
    const first = await deploy([]);
    const url = `${first.services[0]!.url}/hello`;
    const traffic = startTraffic(url);
    try {
      const started = await deploy(['--param', 'edition=2', '--strategy', '{type: steps, weights: [20, 50], interval: 3s}']);
      const rolloutId = started.services[0]!.rollout!.id;
      expect(started.services[0]!.rollout).toMatchObject({ status: 'active', weight: 20 });

      plane.process.kill('SIGKILL');
      await plane.stop();
      const whileDown = traffic.report().total;
      // The gateway is its own process: it keeps answering on the persisted weights.
      const answer = await fetch(url);
      expect(answer.status).toBe(200);

      plane = await startUp({ home: home.path, apiPort: plane.apiPort, gatewayPort: plane.gatewayPort });
      const finished = await waitForEvent(plane.api, 'app=canary&stage=durable', (e) => e.payload?.rolloutId === rolloutId && ['rollout.succeeded', 'rollout.failed', 'rollout.aborted'].includes(e.type));
      expect(finished.type, String(finished.payload.message ?? '')).toBe('rollout.succeeded');
      const info = await runCliJson<StageInfo>(['info', '--stage', 'durable'], { cwd: app.path, server: plane.api });
      expect(info.services[0]!.functions[0]!.live).toEqual([expect.objectContaining({ version: started.services[0]!.functions[0]!.version, weight: 100 })]);
      expect(traffic.report().total).toBeGreaterThan(whileDown);
    } finally {
      const report = await traffic.stop();
      expect(report.transportErrors).toBe(0);
      expect(Object.keys(report.byStatus)).toEqual(['200']);
    }
  });
});
