// Hostile branch names through the git watcher path, with real git and a real `sluice up`: branches named
// like shell substitutions and like git options get previews on valid, derived stage names, run nothing,
// write nothing outside the control plane's home, and are destroyed with their branches; a name git itself
// refuses never reaches the remote. (A branch name cannot hold a space, so the payloads use ${IFS}.)

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type PipelineRunRecord } from '../../src/store/index.js';
import { hello, pipelineClient, run, shopRepository, STAGE_NAME, type ShopRepository } from '../support/pipeline-harness.js';
import { startUp, tempDir, type RunningControlPlane } from '../support/sluice-process.js';

const MARK = randomBytes(6).toString('hex');
const PWNED = join(tmpdir(), `pwned-${MARK}`);
const HOSTILE = [
  `$(touch\${IFS}${PWNED})`,
  '--upload-pack=x',
  `\`touch\${IFS}${PWNED}-tick\`;touch\${IFS}${PWNED}-semi`,
];
/** Files a branch name executed anywhere would have made: in /tmp, in the test's cwd (the plane's cwd too), beside the home. */
const suspects = (home: string) => [PWNED, `${PWNED}-tick`, `${PWNED}-semi`, join(process.cwd(), 'x'), join(home, '..', 'etc')];

let plane: RunningControlPlane;
let home: Awaited<ReturnType<typeof tempDir>>;
let shop: ShopRepository;
let repoId: string;
let existedBefore: Map<string, boolean>;
const client = pipelineClient(() => plane.api);

beforeAll(async () => {
  home = await tempDir('sluice-hostile-home-');
  shop = await shopRepository('sluice-hostile-repos-');
  existedBefore = new Map(suspects(home.path).map((path) => [path, existsSync(path)]));
  plane = await startUp({ home: home.path });
  for (const profile of ['dev', 'staging']) {
    await client.api(`/api/profiles/${profile}/secrets/CHECK_TOKEN`, { method: 'PUT', body: JSON.stringify({ value: `${profile}-${MARK}` }) });
  }
  const connected = await client.api<{ repository: { id: string } }>('/api/repositories', { method: 'POST', body: JSON.stringify({ app: 'shop', kind: 'git', url: shop.remote, pollIntervalMs: 0 }) });
  repoId = connected.repository.id;
  const staging = await client.waitForRun((r) => r.branch === 'master');
  expect(staging.status, staging.reason ?? '').toBe('succeeded');
});

afterAll(async () => {
  await plane?.stop();
  await shop?.remove();
  await home?.remove();
});

const notify = () => client.api(`/hooks/git/${repoId}`, { method: 'POST' });
const previewsOf = (runs: PipelineRunRecord[], kind: string) => runs.filter((r) => r.kind === kind && HOSTILE.includes(r.branch ?? ''));

/**
 * Every file or folder under `dir` whose name a payload would have made. Git keeps refs as files named after
 * the branches (`refs/heads/$(touch${IFS}` …): those are the branches themselves, not something they ran.
 */
async function suspiciousNames(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.filter((entry) => /pwned|(^|\/)x$|upload-pack/.test(entry) && !/(^|\/)(refs|logs\/refs)\//.test(entry));
}

describe('hostile branch names', () => {
  const stages = new Map<string, string>();

  it('get previews on valid derived stage names, running nothing they spell', async () => {
    // One push, each name as its own execFile argument: no shell sees them here either.
    await shop.git('push', '--quiet', 'origin', ...HOSTILE.map((name) => `HEAD:refs/heads/${name}`));
    const listed = await run('git', ['ls-remote', '--heads', shop.remote]);
    for (const name of HOSTILE) expect(listed.stdout).toContain(`refs/heads/${name}\n`);
    await notify();

    const runs = await client.waitForRuns((list) => previewsOf(list, 'preview').filter((r) => ['succeeded', 'failed'].includes(r.status)).length === HOSTILE.length, 'the previews of the hostile branches');
    for (const preview of previewsOf(runs, 'preview')) {
      const logs = await client.logsOf(preview);
      expect(preview.status, `${preview.branch}: ${preview.reason}\n${logs}`).toBe('succeeded');
      expect(preview.stage).toMatch(STAGE_NAME);
      // The branch reached the check as data (SLUICE_BRANCH), byte for byte.
      expect(logs).toContain(`unit check on ${preview.branch} at`);
      stages.set(preview.branch!, preview.stage!);
    }
    expect(stages.size).toBe(HOSTILE.length);
    expect(new Set(stages.values()).size).toBe(HOSTILE.length);
    expect(stages.get('--upload-pack=x')).toBe('upload-pack-x');
    expect(stages.get(HOSTILE[0]!)).toBe(`touch-ifs-tmp-pwned-${MARK}`);
    for (const stage of stages.values()) {
      expect((await hello(`${plane.gateway}/shop/${stage}/api/hello`)).body).toEqual({ edition: 'one', env: 'dev' });
    }

    for (const path of suspects(home.path)) expect(existsSync(path), path).toBe(existedBefore.get(path));
    expect((await readdir(tmpdir())).filter((name) => name.includes(`pwned-${MARK}`))).toEqual([]);
    expect(await suspiciousNames(home.path)).toEqual([]);
    expect(await suspiciousNames(shop.dir)).toEqual([]);
  });

  it('refuses ../../etc at the push, and nothing happens', async () => {
    const before = (await client.runs()).map((r) => r.id);
    await expect(shop.git('push', 'origin', 'HEAD:refs/heads/../../etc')).rejects.toThrow(/invalid refspec|not a valid|refname/i);
    expect((await run('git', ['ls-remote', '--heads', shop.remote])).stdout).not.toContain('etc');
    await notify();
    expect((await client.runs()).map((r) => r.id)).toEqual(before);
    expect(existsSync(join(home.path, '..', 'etc'))).toBe(existedBefore.get(join(home.path, '..', 'etc')));
  });

  it('destroys the previews when the branches are deleted', async () => {
    await shop.git('push', '--quiet', 'origin', ...HOSTILE.map((name) => `:refs/heads/${name}`));
    await notify();
    const runs = await client.waitForRuns((list) => previewsOf(list, 'destroy').filter((r) => ['succeeded', 'failed'].includes(r.status)).length === HOSTILE.length, 'the destroy runs');
    const destroys = previewsOf(runs, 'destroy');
    for (const destroy of destroys) expect(destroy.status, `${destroy.branch}: ${destroy.reason}\n${await client.logsOf(destroy)}`).toBe('succeeded');
    expect(destroys.map((r) => r.stage).sort()).toEqual([...stages.values()].sort());
    for (const stage of stages.values()) expect((await hello(`${plane.gateway}/shop/${stage}/api/hello`)).status).toBe(404);
    const store = await openStore({ home: home.path });
    try {
      expect((await store.listPreviews('shop')).map((p) => p.stage)).toEqual([]);
      expect((await store.listStages('shop')).map((s) => s.name)).toEqual(['staging']);
    } finally {
      await store.close();
    }
    for (const path of suspects(home.path)) expect(existsSync(path), path).toBe(existedBefore.get(path));
    expect(await suspiciousNames(home.path)).toEqual([]);
  });
});
