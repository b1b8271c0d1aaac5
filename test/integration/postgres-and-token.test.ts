// `sluice up` on PostgreSQL (DATABASE_URL) and behind a token: the same workflow, the same answers.

import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeployResult } from '../../src/engine/index.js';
import { runCli, runCliJson, startUp, tempDir, WORKSHOP, type RunningControlPlane } from '../support/sluice-process.js';

const databaseUrl = process.env.TEST_DATABASE_URL;

describe.skipIf(!databaseUrl)('sluice up with DATABASE_URL (PostgreSQL)', () => {
  const schema = `sluice_it_${randomBytes(4).toString('hex')}`;
  let admin: pg.Client;
  let home: Awaited<ReturnType<typeof tempDir>>;
  let plane: RunningControlPlane;
  let url: string;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    const withSchema = new URL(databaseUrl!);
    withSchema.searchParams.set('schema', schema);
    url = withSchema.toString();
    home = await tempDir('sluice-pg-home-');
    plane = await startUp({ home: home.path, env: { DATABASE_URL: url } });
  });

  afterAll(async () => {
    await plane?.stop();
    await home?.remove();
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin?.end();
  });

  it('deploys, serves, keeps its state in PostgreSQL and serves again after a restart', async () => {
    const health = (await (await fetch(`${plane.api}/api/health`)).json()) as { dialect: string };
    expect(health.dialect).toBe('postgres');
    const dev = await runCliJson<DeployResult>(['deploy', '--stage', 'dev'], { cwd: WORKSHOP, server: plane.api });
    const api = dev.services.find((s) => s.service === 'restapi')!.url;
    const created = await fetch(`${api}/submissions`, { method: 'POST', headers: { 'x-api-key': '23423-dev' }, body: '{"name":"pg"}' });
    expect(created.status).toBe(201);
    const rows = await admin.query(`SELECT count(*)::int AS n FROM ${schema}.kv_items`);
    expect(rows.rows[0].n).toBe(1);

    await plane.stop();
    plane = await startUp({ home: home.path, apiPort: plane.apiPort, gatewayPort: plane.gatewayPort, env: { DATABASE_URL: url } });
    const listed = (await (await fetch(`${api}/submissions`)).json()) as { count: number };
    expect(listed.count).toBe(1);
    const again = await runCliJson<DeployResult>(['deploy', '--stage', 'dev'], { cwd: WORKSHOP, server: plane.api });
    expect(again.changed).toBe(false);
  });
});

describe('a control plane with SLUICE_TOKEN', () => {
  const token = randomBytes(16).toString('hex');
  let home: Awaited<ReturnType<typeof tempDir>>;
  let plane: RunningControlPlane;

  beforeAll(async () => {
    home = await tempDir('sluice-token-home-');
    plane = await startUp({ home: home.path, env: { SLUICE_TOKEN: token } });
  });

  afterAll(async () => {
    await plane?.stop();
    await home?.remove();
  });

  it('refuses calls without the token, with a hint, and accepts the CLI that sends it', async () => {
    const refused = await runCli(['stages'], { server: plane.api, env: { SLUICE_TOKEN: '' } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('UNAUTHORIZED');
    expect(refused.stderr).toContain('SLUICE_TOKEN');
    const wrong = await fetch(`${plane.api}/api/stages`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const accepted = await runCliJson<unknown[]>(['stages'], { server: plane.api, env: { SLUICE_TOKEN: token } });
    expect(accepted).toEqual([]);
  });

  it('will not bind beyond loopback without a token', async () => {
    const result = await runCli(['up', '--host', '0.0.0.0', '--port', '0', '--gateway-port', '0', '--home', home.path], { env: { SLUICE_TOKEN: '' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('INVALID_ARGUMENT');
    expect(result.stderr).toContain('SLUICE_TOKEN');
  });
});
