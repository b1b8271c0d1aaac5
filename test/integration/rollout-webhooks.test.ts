// Rollout transitions reach configured webhooks, signed and filtered by severity; a confirm-promotion gate
// gets a signed body and can stop a rollout before its first step.

import { createHmac } from 'node:crypto';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeployResult } from '../../src/engine/index.js';
import { ROOT, runCli, runCliJson, startUp, tempDir, type RunningControlPlane } from '../support/sluice-process.js';
import { startTraffic } from '../support/traffic.js';

interface Received {
  path: string;
  body: string;
  signature: string | undefined;
  severity: string | undefined;
}

let plane: RunningControlPlane;
let home: Awaited<ReturnType<typeof tempDir>>;
let app: Awaited<ReturnType<typeof tempDir>>;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
let gateAnswer: unknown = { status: 'Succeeded' };

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ path: request.url ?? '', body, signature: request.headers['x-sluice-signature-256'] as string | undefined, severity: request.headers['x-sluice-severity'] as string | undefined });
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(request.url === '/gate' ? gateAnswer : {}));
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  home = await tempDir('sluice-notify-home-');
  app = await tempDir('sluice-notify-app-');
  await cp(join(ROOT, 'test', 'fixtures', 'canary-app'), app.path, { recursive: true });
  const appManifest = join(app.path, 'sluice.app.yml');
  await writeFile(appManifest, `${await readFile(appManifest, 'utf8')}notifications:\n  - { url: ${receiverUrl}/notify, severity: warning, secret: NOTIFY_KEY }\n`);
  plane = await startUp({ home: home.path });
  for (const [name, value] of [['NOTIFY_KEY', 'notify-signing-key'], ['HOOK_SIGNING_SECRET', 'gate-signing-key']]) {
    const set = await runCli(['secrets', 'set', name!, value!, '--profile', 'default'], { server: plane.api });
    expect(set.code, set.stderr).toBe(0);
  }
});

afterAll(async () => {
  await plane?.stop();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  await app?.remove();
  await home?.remove();
});

const sign = (key: string, body: string) => `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;

describe('rollout notifications', () => {
  it('sends warning and critical transitions, signed, and nothing quieter', async () => {
    const first = await runCliJson<DeployResult>(['deploy', '--stage', 'loud'], { cwd: app.path, server: plane.api });
    // Alarms judge only real invocations: without traffic a canary would wait, inconclusive, forever.
    const traffic = startTraffic(`${first.services[0]!.url}/hello`);
    const failing = await runCli(['deploy', '--stage', 'loud', '--param', 'edition=2', '--param', 'fail_rate=1', '--strategy', '{type: canary, percent: 50, interval: 30s}', '--wait', '--json'], { cwd: app.path, server: plane.api }).finally(() => traffic.stop());
    expect(JSON.parse(failing.stdout).services[0].rollout.status).toBe('failed');
    await expect.poll(() => received.filter((r) => r.path === '/notify').length).toBeGreaterThan(0);
    const notices = received.filter((r) => r.path === '/notify');
    for (const notice of notices) {
      expect(notice.signature).toBe(sign('notify-signing-key', notice.body));
      expect(['warning', 'critical']).toContain(notice.severity);
    }
    expect(notices.some((n) => n.severity === 'critical' && JSON.parse(n.body).type.startsWith('rollout.'))).toBe(true);
  });

  it('asks a confirm-promotion gate with a signed body, and rolls back when it says no', async () => {
    const manifest = join(app.path, 'api', 'sluice.yml');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('deployment:\n', `deployment:\n  confirm-promotion: ${receiverUrl}/gate\n`));
    await runCliJson<DeployResult>(['deploy', '--stage', 'gated'], { cwd: app.path, server: plane.api });
    gateAnswer = { status: 'Failed', reason: 'change freeze' };
    const refused = await runCli(['deploy', '--stage', 'gated', '--param', 'edition=2', '--strategy', 'Canary10Percent5Minutes', '--wait', '--json'], { cwd: app.path, server: plane.api });
    const rollout = JSON.parse(refused.stdout).services[0].rollout;
    expect(rollout.status).toBe('failed');
    expect(rollout.reason).toContain('change freeze');
    const asked = received.filter((r) => r.path === '/gate');
    expect(asked.length).toBeGreaterThan(0);
    expect(asked[0]!.signature).toBe(sign('gate-signing-key', asked[0]!.body));
    expect(JSON.parse(asked[0]!.body)).toMatchObject({ stage: 'gated', service: 'api' });
  });
});
