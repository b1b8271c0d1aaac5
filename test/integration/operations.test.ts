// Operating a real `sluice up`: liveness and readiness probes, Prometheus metrics of the control plane with
// the gateway's appended, and structured JSON logs (control plane on stderr, gateway in <home>/gateway.log)
// at the level given by --log-level, with the --json ready line still first on stdout.

import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCliJson, startUp, tempDir, type RunningControlPlane } from '../support/sluice-process.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'canary-app');

let home: Awaited<ReturnType<typeof tempDir>>;
let app: Awaited<ReturnType<typeof tempDir>>;
let plane: RunningControlPlane;

beforeAll(async () => {
  home = await tempDir('sluice-ops-home-');
  app = await tempDir('sluice-ops-app-');
  await cp(FIXTURE, app.path, { recursive: true });
  plane = await startUp({ home: home.path, args: ['--log-level', 'debug'] });
});

afterAll(async () => {
  await plane?.stop();
  await app?.remove();
  await home?.remove();
});

const jsonLines = (text: string) => text.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);

describe('health endpoints', () => {
  it('answers liveness and readiness without a token', async () => {
    const live = await fetch(`${plane.api}/healthz`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${plane.api}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { store: { ok: true }, gateway: { ok: true }, masterKey: { ok: true } } });
  });
});

describe('metrics', () => {
  it('exposes control-plane, deploy, rollout and gateway metrics in Prometheus text', async () => {
    await runCliJson(['deploy', '--stage', 'dev', '--wait'], { cwd: app.path, server: plane.api });
    expect((await fetch(`${plane.gateway}/canary/dev/api/hello`)).status).toBe(200);
    const response = await fetch(`${plane.api}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);
    expect(text).toContain('sluice_deploys_total{outcome="changed"} 1');
    expect(text).toContain('sluice_rollouts_started_total 1');
    expect(text).toContain('sluice_rollouts_finished_total{outcome="succeeded"} 1');
    expect(text).toContain('sluice_rollouts_active 0');
    expect(text).toContain('sluice_gateway_up 1');
    expect(text).toContain('sluice_gateway_requests_total{status="200"} 1');
    expect(text).toContain('sluice_function_invocations_total{app="canary",stage="dev",service="api",function="hello",version="1"} 1');
    expect(text).toMatch(/^sluice_gateway_process_resident_memory_bytes \d/m);
    // One family per name: the gateway's process metrics are prefixed, so the two texts never collide.
    const families = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
    expect(new Set(families).size).toBe(families.length);
  });
});

describe('structured logs', () => {
  it('writes JSON lines at the chosen level: the control plane on stderr, the gateway in gateway.log', async () => {
    const control = jsonLines(plane.stderr());
    expect(control.find((line) => line.msg === 'control plane listening')).toMatchObject({ level: 'info', name: 'sluice-control-plane', api: plane.api });
    expect(control.some((line) => line.level === 'debug' && line.msg === 'request' && line.path === '/readyz' && line.status === 200)).toBe(true);
    const gateway = jsonLines(await readFile(join(home.path, 'gateway.log'), 'utf8'));
    expect(gateway.find((line) => line.msg === 'gateway listening')).toMatchObject({ level: 'info', name: 'sluice-gateway', url: plane.gateway });
  });

  it('is not ready, with the reason, once the gateway process is gone', async () => {
    const record = JSON.parse(await readFile(join(home.path, 'gateway.json'), 'utf8')) as { pid: number };
    const gone = new Promise<void>((resolve) => {
      const check = () => {
        try {
          process.kill(record.pid, 0);
          setImmediate(check);
        } catch {
          resolve();
        }
      };
      check();
    });
    process.kill(record.pid, 'SIGTERM');
    await gone;
    const ready = await fetch(`${plane.api}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { reason: string };
    expect(body.reason).toContain('the gateway process is not ready');
    expect(await (await fetch(`${plane.api}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${plane.api}/metrics`)).text()).toContain('sluice_gateway_up 0');
  });
});
