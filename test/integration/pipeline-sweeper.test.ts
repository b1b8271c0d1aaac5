// Previews whose branches vanished while the control plane was down: twenty branches get previews, the
// control plane stops, the branches are deleted on the remote, and the restarted control plane (its watcher's
// first poll, or the preview sweeper) removes every one of them: one destroy run each, nothing left behind.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { openStore, type PipelineRunRecord } from '../../src/store/index.js';
import { hello, pipelineClient, shopRepository, type ShopRepository } from '../support/pipeline-harness.js';
import { startUp, tempDir, type RunningControlPlane } from '../support/sluice-process.js';

const BRANCHES = Array.from({ length: 20 }, (_, i) => `b${i + 1}`);

let plane: RunningControlPlane | undefined;
let home: Awaited<ReturnType<typeof tempDir>>;
let shop: ShopRepository;
const client = pipelineClient(() => plane!.api);

beforeAll(async () => {
  home = await tempDir('sluice-sweeper-home-');
  // Twenty previews on two cores: more runs at once, and no integration step (the previews are checked here).
  shop = await shopRepository('sluice-sweeper-repos-', {
    manifest: (text) => {
      const manifest = parseDocument(text);
      manifest.deleteIn(['pipeline', 'previews', 'integration']);
      manifest.setIn(['pipeline', 'concurrency'], 6);
      return manifest.toString();
    },
  });
  await shop.git('push', '--quiet', 'origin', ...BRANCHES.map((branch) => `master:refs/heads/${branch}`));
});

afterAll(async () => {
  await plane?.stop();
  await shop?.remove();
  await home?.remove();
});

const settled = (r: PipelineRunRecord) => ['succeeded', 'failed', 'canceled', 'rejected'].includes(r.status);
const previewsOf = (runs: PipelineRunRecord[]) => runs.filter((r) => r.kind === 'preview' && BRANCHES.includes(r.branch ?? ''));
const destroysOf = (runs: PipelineRunRecord[]) => runs.filter((r) => r.kind === 'destroy');

describe('the preview sweeper', () => {
  it('removes, after a restart, the twenty previews whose branches were deleted while it was down', async () => {
    plane = await startUp({ home: home.path });
    await client.api('/api/profiles/dev/secrets/CHECK_TOKEN', { method: 'PUT', body: JSON.stringify({ value: 'dev-sweeper-secret' }) });
    await client.api('/api/profiles/staging/secrets/CHECK_TOKEN', { method: 'PUT', body: JSON.stringify({ value: 'staging-sweeper-secret' }) });
    const connected = await client.api<{ repository: { id: string } }>('/api/repositories', { method: 'POST', body: JSON.stringify({ app: 'shop', kind: 'git', url: shop.remote, pollIntervalMs: 0 }) });
    expect(connected.repository.id).toMatch(/^r/);

    const built = await client.waitForRuns((runs) => previewsOf(runs).filter(settled).length === BRANCHES.length && runs.every(settled), 'twenty previews');
    for (const preview of previewsOf(built)) expect(preview.status, `${preview.branch}: ${preview.reason}`).toBe('succeeded');
    expect(previewsOf(built).map((r) => r.stage).sort()).toEqual([...BRANCHES].sort());
    expect((await hello(`${plane.gateway}/shop/b20/api/hello`)).body).toEqual({ edition: 'one', env: 'dev' });

    await plane.stop();
    await shop.git('push', '--quiet', 'origin', '--delete', ...BRANCHES);
    plane = await startUp({ home: home.path });

    const after = await client.waitForRuns((runs) => destroysOf(runs).filter(settled).length >= BRANCHES.length && runs.every(settled), 'twenty destroy runs');
    const destroys = destroysOf(after);
    for (const destroy of destroys) expect(destroy.status, `${destroy.stage}: ${destroy.reason}\n${await client.logsOf(destroy)}`).toBe('succeeded');
    // Exactly one each: the watcher's first poll and the sweeper (which runs right after it, at start) do not
    // both destroy a preview.
    expect(destroys.map((r) => r.stage).sort()).toEqual([...BRANCHES].sort());
    for (const destroy of destroys) expect(['git', 'sweeper']).toContain(destroy.trigger.source);

    const { stages } = await client.api<{ stages: Array<{ name: string }> }>('/api/stages?app=shop');
    expect(stages.map((s) => s.name)).toEqual(['staging']);
    for (const branch of BRANCHES) expect((await hello(`${plane.gateway}/shop/${branch}/api/hello`)).status).toBe(404);
    const store = await openStore({ home: home.path });
    try {
      expect(await store.listPreviews('shop')).toEqual([]);
      expect((await store.listStages('shop')).map((s) => s.name)).toEqual(['staging']);
      for (const stage of BRANCHES) {
        expect(await store.listAliases('shop', stage)).toEqual([]);
        expect(await store.listReleases({ app: 'shop', stage })).toEqual([]);
      }
    } finally {
      await store.close();
    }
  });
});
