// Rollouts with real traffic through the gateway: a bad canary is rolled back by its alarms, a slow one by
// a relative p99 alarm, a good one completes, and a failing pre-traffic hook keeps users off the new version.

import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeployResult, StageInfo } from '../../src/engine/index.js';
import { ROOT, runCli, runCliJson, startUp, tempDir, type RunningControlPlane } from '../support/sluice-process.js';
import { startTraffic } from '../support/traffic.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'canary-app');
let plane: RunningControlPlane;
let home: Awaited<ReturnType<typeof tempDir>>;
let app: Awaited<ReturnType<typeof tempDir>>;

const deploy = (stage: string, args: string[] = [], dir = app.path) => runCliJson<DeployResult>(['deploy', '--stage', stage, ...args], { cwd: dir, server: plane.api });
/** A deploy whose rollout fails exits 1 but still prints its result. */
const failingDeploy = async (stage: string, args: string[], dir = app.path) => {
  const result = await runCli(['deploy', '--stage', stage, ...args, '--json'], { cwd: dir, server: plane.api });
  expect(result.code, result.stderr).toBe(1);
  return JSON.parse(result.stdout) as DeployResult;
};
const info = (stage: string) => runCliJson<StageInfo>(['info', '--stage', stage], { cwd: app.path, server: plane.api });
const helloUrl = (result: DeployResult) => `${result.services[0]!.url}/hello`;
const live = async (stage: string) => (await info(stage)).services[0]!.functions[0]!.live;
/** Version numbers count per function across stages, so tests compare with what each deploy reported. */
const versionOf = (result: DeployResult) => result.services[0]!.functions[0]!.version;

beforeAll(async () => {
  home = await tempDir('sluice-rollout-home-');
  app = await tempDir('sluice-rollout-app-');
  await cp(FIXTURE, app.path, { recursive: true });
  plane = await startUp({ home: home.path });
});

afterAll(async () => {
  await plane?.stop();
  await app?.remove();
  await home?.remove();
});

describe('rollouts with real traffic', () => {
  it('rolls back by itself a new version that fails 30% of calls', async () => {
    const first = await deploy('bad');
    const traffic = startTraffic(helloUrl(first));
    const result = await failingDeploy('bad', ['--param', 'edition=2', '--param', 'fail_rate=0.3', '--strategy', '{type: canary, percent: 50, interval: 30s}', '--wait']).finally(() => traffic.stop());
    const rollout = result.services[0]!.rollout!;
    expect(rollout.status).toBe('failed');
    expect(rollout.reason).toMatch(/errorRate/);
    expect(await live('bad')).toEqual([expect.objectContaining({ version: versionOf(first), weight: 100 })]);
    const after = await fetch(helloUrl(first));
    expect(await after.json()).toEqual({ edition: '1' });
    const report = traffic.report();
    expect(report.byVersion[String(versionOf(result))]).toBeGreaterThan(0);
    expect(report.transportErrors).toBe(0);
  });

  it('rolls back a version 300 ms slower through the relative p99 alarm', async () => {
    const first = await deploy('slow');
    const traffic = startTraffic(helloUrl(first));
    const result = await failingDeploy('slow', ['--param', 'edition=2', '--param', 'delay_ms=300', '--strategy', '{type: canary, percent: 50, interval: 30s}', '--wait']).finally(() => traffic.stop());
    const rollout = result.services[0]!.rollout!;
    expect(rollout.status).toBe('failed');
    expect(rollout.reason).toMatch(/p99/);
    expect(await live('slow')).toEqual([expect.objectContaining({ version: versionOf(first), weight: 100 })]);
  });

  it('completes a good version step by step with no failed request during the shift', async () => {
    const first = await deploy('good');
    const traffic = startTraffic(helloUrl(first));
    const result = await deploy('good', ['--param', 'edition=2', '--strategy', '{type: steps, weights: [25, 50], interval: 2s}', '--wait']).finally(() => traffic.stop());
    expect(result.services[0]!.rollout!.status).toBe('succeeded');
    const [before, after] = [String(versionOf(first)), String(versionOf(result))];
    expect(await live('good')).toEqual([expect.objectContaining({ version: Number(after), weight: 100 })]);
    const report = traffic.report();
    expect(Object.keys(report.byStatus)).toEqual(['200']);
    expect(report.transportErrors).toBe(0);
    expect(report.byVersion[before]).toBeGreaterThan(0);
    expect(report.byVersion[after]).toBeGreaterThan(0);
    // At 100% every answer comes from the new version.
    expect(report.answers.slice(-5).every((a) => a.version === after)).toBe(true);
  });

  it('never lets a user reach a version whose pre-traffic hook fails', async () => {
    const hooked = await tempDir('sluice-hooked-app-');
    try {
      await cp(FIXTURE, hooked.path, { recursive: true });
      const manifest = join(hooked.path, 'api', 'sluice.yml');
      await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('deployment:\n', 'deployment:\n  hooks: { preTraffic: src/hooks.refuse }\n'));
      const first = await deploy('hooked');
      const traffic = startTraffic(helloUrl(first));
      const result = await failingDeploy('hooked', ['--param', 'edition=2', '--strategy', 'Canary10Percent5Minutes', '--wait'], hooked.path).finally(() => traffic.stop());
      expect(result.services[0]!.rollout!.status).toBe('failed');
      expect(result.services[0]!.rollout!.reason).toMatch(/preTraffic.*smoke test found a problem/);
      const report = traffic.report();
      expect(report.total).toBeGreaterThan(0);
      expect(Object.keys(report.byVersion)).toEqual([String(versionOf(first))]);
    } finally {
      await hooked.remove();
    }
  });

  it('lets a pre-traffic hook call the new version through its pin before any user does', async () => {
    const hooked = await tempDir('sluice-hooked-app-');
    try {
      await cp(FIXTURE, hooked.path, { recursive: true });
      const manifest = join(hooked.path, 'api', 'sluice.yml');
      await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('deployment:\n', 'deployment:\n  hooks: { preTraffic: src/hooks.check }\n'));
      await deploy('checked', [], hooked.path);
      const result = await deploy('checked', ['--param', 'edition=2', '--wait'], hooked.path);
      expect(result.services[0]!.rollout).toMatchObject({ status: 'succeeded', weight: 100 });
    } finally {
      await hooked.remove();
    }
  });

  it('is steered from the CLI: status, pause, resume, promote --full, abort, rollback and the history', async () => {
    const v1 = versionOf(await deploy('steer'));
    const canary = ['--strategy', 'Canary10Percent30Minutes'];
    const started = await deploy('steer', ['--param', 'edition=2', ...canary]);
    expect(started.services[0]!.rollout).toMatchObject({ status: 'active', weight: 10 });
    const v2 = versionOf(started);
    const busy = await runCli(['deploy', '--stage', 'steer', '--param', 'edition=3'], { cwd: app.path, server: plane.api });
    expect(busy.stderr).toContain('DEPLOY_IN_PROGRESS');

    const cli = (args: string[]) => runCliJson<{ status: string; state: { phase: string; weight: number; paused: boolean } }>(['rollout', ...args, '--stage', 'steer'], { cwd: app.path, server: plane.api });
    expect((await cli(['status'])).state).toMatchObject({ phase: 'shifting', weight: 10 });
    expect((await cli(['pause'])).state.paused).toBe(true);
    expect((await cli(['resume'])).state.paused).toBe(false);
    const promoted = await cli(['promote', '--full']);
    expect(promoted.status).toBe('succeeded');
    expect(await live('steer')).toEqual([expect.objectContaining({ version: v2, weight: 100 })]);

    await deploy('steer', ['--param', 'edition=3', ...canary]);
    const aborted = await cli(['abort', '--reason', 'looked wrong']);
    expect(aborted.status).toBe('aborted');
    expect(await live('steer')).toEqual([expect.objectContaining({ version: v2, weight: 100 })]);

    const rolledBack = await runCliJson<{ changes: Array<{ fromNumber: number; toNumber: number }> }>(['rollback', '--stage', 'steer', '--service', 'api'], { cwd: app.path, server: plane.api });
    expect(rolledBack.changes).toEqual([expect.objectContaining({ fromNumber: v2, toNumber: v1 })]);
    expect(await live('steer')).toEqual([expect.objectContaining({ version: v1, weight: 100 })]);

    const history = await runCliJson<Array<{ strategy: string; status: string }>>(['deploy', 'list', '--stage', 'steer'], { cwd: app.path, server: plane.api });
    expect(history.map((d) => [d.strategy, d.status])).toEqual([
      ['Rollback', 'succeeded'],
      ['Canary10Percent30Minutes', 'aborted'],
      ['Canary10Percent30Minutes', 'succeeded'],
      ['AllAtOnce', 'succeeded'],
    ]);
  });

  it('is followed live by `rollout watch` until it ends', async () => {
    const first = await deploy('watched');
    const traffic = startTraffic(helloUrl(first));
    try {
      const started = await deploy('watched', ['--param', 'edition=2', '--strategy', '{type: steps, weights: [50], interval: 2s}']);
      expect(started.services[0]!.rollout!.status).toBe('active');
      const watch = await runCli(['rollout', 'watch', '--stage', 'watched', '--json'], { cwd: app.path, server: plane.api });
      expect(watch.code, watch.stderr).toBe(0);
      const frames = watch.stdout.trim().split('\n').map((line) => JSON.parse(line) as { status: string; state: { weight: number } });
      expect(frames[0]!.status).toBe('active');
      expect(frames.at(-1)).toMatchObject({ status: 'succeeded', state: { weight: 100 } });
    } finally {
      await traffic.stop();
    }
  });

  it('sends header-matched testers to the new version and keeps sticky callers on theirs', async () => {
    const routed = await tempDir('sluice-routed-app-');
    try {
      await cp(FIXTURE, routed.path, { recursive: true });
      const manifest = join(routed.path, 'api', 'sluice.yml');
      await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('deployment:\n', 'deployment:\n  sticky: header:X-User\n  match: { header: X-Canary, value: "1" }\n'));
      const first = await deploy('routed', [], routed.path);
      const started = await deploy('routed', ['--param', 'edition=2', '--strategy', 'Canary10Percent30Minutes'], routed.path);
      const [oldVersion, newVersion] = [String(versionOf(first)), String(versionOf(started))];
      const versionFor = async (headers: Record<string, string>) => (await fetch(helloUrl(first), { headers })).headers.get('x-sluice-version');
      for (let i = 0; i < 20; i += 1) expect(await versionFor({ 'x-canary': '1' })).toBe(newVersion);
      const users = Array.from({ length: 60 }, (_, i) => `user-${i}`);
      const firstPick = await Promise.all(users.map((user) => versionFor({ 'x-user': user })));
      const secondPick = await Promise.all(users.map((user) => versionFor({ 'x-user': user })));
      expect(secondPick).toEqual(firstPick);
      expect(firstPick.filter((v) => v === oldVersion).length).toBeGreaterThan(firstPick.filter((v) => v === newVersion).length);
      await runCliJson(['rollout', 'abort', '--stage', 'routed'], { cwd: routed.path, server: plane.api });
    } finally {
      await routed.remove();
    }
  });
});
