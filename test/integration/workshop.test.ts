// End to end through real processes: `sluice up` on free ports with a temporary home, the built CLI
// deploying the workshop example, and plain HTTP calls to the gateway.

import Database from 'better-sqlite3';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeployResult, StageInfo } from '../../src/engine/index.js';
import { copyWorkshop, runCli, runCliJson, startUp, tempDir, type RunningControlPlane } from '../support/sluice-process.js';

let plane: RunningControlPlane;
let home: Awaited<ReturnType<typeof tempDir>>;
let app: Awaited<ReturnType<typeof copyWorkshop>>;

const deploy = (stage: string, extra: string[] = []) => runCliJson<DeployResult>(['deploy', '--stage', stage, ...extra], { cwd: app.path, server: plane.api });
const restapi = (result: DeployResult) => result.services.find((s) => s.service === 'restapi')!;

beforeAll(async () => {
  home = await tempDir('sluice-home-');
  app = await copyWorkshop();
  plane = await startUp({ home: home.path });
});

afterAll(async () => {
  await plane?.stop();
  await app?.remove();
  await home?.remove();
});

describe('the workshop example on a real control plane', () => {
  let dev: DeployResult;
  let alice: DeployResult;

  it('deploys dev and a developer stage, and the developer stage reads the dev table', async () => {
    dev = await deploy('dev');
    expect(dev.changed).toBe(true);
    expect(dev.services.map((s) => s.service).sort()).toEqual(['database', 'restapi', 'tasks']);
    expect(dev.services.find((s) => s.service === 'database')!.outputs.tableName).toBe('workshop-dev-submissions');

    alice = await deploy('alice', ['--service', 'restapi', '--service', 'tasks']);
    expect(alice.profile).toBe('dev');
    const created = await fetch(`${restapi(alice).url}/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': '23423-dev' },
      body: JSON.stringify({ name: 'alice', message: 'from my stage' }),
    });
    expect(created.status).toBe(201);
    const item = (await created.json()) as { id: string };

    const listed = (await (await fetch(`${restapi(dev).url}/submissions`)).json()) as { table: string; items: Array<{ id: string }> };
    expect(listed.table).toBe('workshop-dev-submissions');
    expect(listed.items.map((i) => i.id)).toContain(item.id);
    const one = await fetch(`${restapi(dev).url}/submissions/${item.id}`);
    expect(((await one.json()) as { name: string }).name).toBe('alice');
  });

  it('checks the api key of the profile, also from the scheduled task', async () => {
    const refused = await fetch(`${restapi(dev).url}/submissions`, { method: 'POST', body: '{"name":"x"}', headers: { 'x-api-key': 'nope' } });
    expect(refused.status).toBe(401);
    const invoked = await runCliJson<{ result: { status: number } }>(['invoke', 'report', '--stage', 'alice'], { cwd: app.path, server: plane.api });
    expect(invoked.result.status).toBe(201);
  });

  it('redeploys without changes and creates nothing', async () => {
    const before = await runCliJson<StageInfo>(['info', '--stage', 'dev'], { cwd: app.path, server: plane.api });
    const again = await deploy('dev');
    expect(again.changed).toBe(false);
    expect(again.services.every((s) => s.status === 'unchanged' && s.deploymentId === null)).toBe(true);
    const after = await runCliJson<StageInfo>(['info', '--stage', 'dev'], { cwd: app.path, server: plane.api });
    expect(after.services.flatMap((s) => s.functions.map((f) => f.live))).toEqual(before.services.flatMap((s) => s.functions.map((f) => f.live)));
    const human = await runCli(['deploy', '--stage', 'dev'], { cwd: app.path, server: plane.api });
    expect(human.stdout).toContain('No changes');
  });

  it('serves a new version after a code change, and makes one for a config-only change', async () => {
    const handlerFile = join(app.path, 'backend-restapi', 'src', 'handler.ts');
    const source = await readFile(handlerFile, 'utf8');
    await writeFile(handlerFile, source.replace('return { table: process.env.TABLE, count', "return { edition: 'second', table: process.env.TABLE, count"));
    const changed = await deploy('dev', ['--service', 'restapi']);
    const list = restapi(changed).functions.find((f) => f.name === 'list')!;
    const oldList = restapi(dev).functions.find((f) => f.name === 'list')!;
    expect(list.changed).toBe(true);
    expect(list.version).toBe(oldList.version + 1);
    // submit lives in the same file but does not use the changed code: its bundle, and so its version, stay.
    expect(restapi(changed).functions.find((f) => f.name === 'submit')!.changed).toBe(false);
    const body = (await (await fetch(`${restapi(changed).url}/submissions`)).json()) as { edition?: string };
    expect(body.edition).toBe('second');

    const manifest = join(app.path, 'backend-restapi', 'sluice.yml');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('timeout: 6', 'timeout: 7'));
    const configOnly = await deploy('dev', ['--service', 'restapi']);
    const submit = restapi(configOnly).functions.find((f) => f.name === 'submit')!;
    expect(submit.changed).toBe(true);
    expect(submit.version).toBe(restapi(changed).functions.find((f) => f.name === 'submit')!.version + 1);

    const viaParam = await deploy('dev', ['--service', 'restapi', '--param', 'api_key=rotated']);
    expect(restapi(viaParam).functions.every((f) => f.changed)).toBe(true);
    const withNewKey = await fetch(`${restapi(viaParam).url}/submissions`, { method: 'POST', body: '{"name":"k"}', headers: { 'x-api-key': 'rotated' } });
    expect(withNewKey.status).toBe(201);
  });

  it('lists stages and shows logs with request ids', async () => {
    const stages = await runCliJson<Array<{ name: string; profile: string }>>(['stages'], { server: plane.api });
    expect(stages.map((s) => [s.name, s.profile]).sort()).toEqual([['alice', 'dev'], ['dev', 'dev']]);
    const human = await runCli(['logs', 'submit', '--stage', 'alice', '--json'], { cwd: app.path, server: plane.api });
    const entries = human.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { requestId: string; message: string });
    expect(entries.some((e) => e.message.includes('stored submission') && e.requestId.length > 0)).toBe(true);
  });

  it('removes a stage: its URLs answer 404 and the store keeps nothing of it', async () => {
    const url = `${restapi(alice).url}/submissions`;
    const removed = await runCliJson<{ services: string[] }>(['remove', '--stage', 'alice'], { cwd: app.path, server: plane.api });
    expect(removed.services.sort()).toEqual(['restapi', 'tasks']);
    expect((await fetch(url)).status).toBe(404);
    const db = new Database(join(home.path, 'sluice.db'), { readonly: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>;
      for (const { name } of tables) {
        if (name === 'events') continue; // the audit timeline is append-only history, not a trace of the stage
        const columns = db.prepare(`PRAGMA table_info("${name}")`).all() as Array<{ name: string }>;
        if (!columns.some((c) => c.name === 'stage')) continue;
        const left = db.prepare(`SELECT count(*) AS n FROM "${name}" WHERE stage = 'alice'`).get() as { n: number };
        expect({ table: name, rows: left.n }).toEqual({ table: name, rows: 0 });
      }
    } finally {
      db.close();
    }
    // The dev table, used by alice's stage but owned by dev, is still there.
    expect((await fetch(`${restapi(dev).url}/submissions`)).status).toBe(200);
  });

  it('serves deployed stages again after a restart, without a redeploy', async () => {
    const url = `${restapi(dev).url}/submissions`;
    const before = (await (await fetch(url)).json()) as { count: number };
    await plane.stop();
    await expect(fetch(url)).rejects.toThrow();
    plane = await startUp({ home: home.path, apiPort: plane.apiPort, gatewayPort: plane.gatewayPort });
    const after = await fetch(url);
    expect(after.status).toBe(200);
    expect(((await after.json()) as { count: number }).count).toBe(before.count);
  });
});
