// Secrets hardening through real processes: a function that prints its secret raw, base64-encoded and split
// across two console.log calls leaves none of them in the stored logs nor in `sluice logs --tail`; and
// `sluice secrets rotate-key` re-encrypts everything, after which the old key opens nothing and the
// deployed function keeps its secret, live and after a restart.

import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox, parseMasterKey, SECRET_MASK, secretForms } from '../../src/secrets/index.js';
import { BIN, runCli, runCliJson, startUp, tempDir, type RunningControlPlane } from '../support/sluice-process.js';

const SECRET = 'sk_live_51Hx9QeT7vR2mKp4wZ8';
const NEXT_SECRET = 'sk_live_second_value_7Y3';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A one-function app whose handler prints its secret in every way a careless handler would. */
async function writeApp(dir: string): Promise<void> {
  await mkdir(join(dir, 'api', 'src'), { recursive: true });
  await writeFile(join(dir, 'sluice.app.yml'), 'app: vault\nservices: [api]\n');
  await writeFile(
    join(dir, 'api', 'sluice.yml'),
    ['service: api', 'functions:', '  leak:', '    handler: src/leak.handler', '    environment:', '      API_KEY: ${secret:API_KEY}', '    events:', '      - http: GET /leak', ''].join('\n'),
  );
  await writeFile(
    join(dir, 'api', 'src', 'leak.mjs'),
    `import { createHash } from 'node:crypto';
export async function handler() {
  const key = process.env.API_KEY;
  console.log('raw', key);
  console.log('b64', Buffer.from(key).toString('base64'));
  console.log(key.slice(0, 5));
  console.log(key.slice(5));
  return { statusCode: 200, body: createHash('sha256').update(key).digest('hex') };
}
`,
  );
}

let home: Awaited<ReturnType<typeof tempDir>>;
let app: Awaited<ReturnType<typeof tempDir>>;
let plane: RunningControlPlane;

const cli = (args: string[], input?: string) => runCli(args, { cwd: app.path, server: plane.api, input });
const leakUrl = () => `${plane.gateway}/vault/dev/api/leak`;

beforeAll(async () => {
  home = await tempDir('sluice-secrets-home-');
  app = await tempDir('sluice-secrets-app-');
  await writeApp(app.path);
  plane = await startUp({ home: home.path });
  expect((await cli(['secrets', 'set', 'API_KEY', '--profile', 'default'], SECRET)).code).toBe(0);
  await runCliJson(['deploy', '--stage', 'dev'], { cwd: app.path, server: plane.api });
});

afterAll(async () => {
  await plane?.stop();
  await app?.remove();
  await home?.remove();
});

/** Follows `sluice logs leak --tail --json` until `count` lines of the function's own output arrived. */
function tailLogLines(count: number): Promise<Array<{ level: string; message: string; requestId: string }>> {
  const child = spawn(process.execPath, [BIN, 'logs', 'leak', '--stage', 'dev', '--tail', '--json'], { cwd: app.path, env: { ...process.env, SLUICE_URL: plane.api, NO_COLOR: '1' } });
  const lines: Array<{ level: string; message: string; requestId: string }> = [];
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`sluice logs --tail exited with ${code} after ${lines.length} lines`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as { level: string; message: string; requestId: string };
      if (entry.level === 'log') lines.push(entry);
      if (lines.length === count) {
        child.removeAllListeners('exit');
        child.kill('SIGINT');
        resolve(lines);
      }
    });
  });
}

function storedLogMessages(): string[] {
  const db = new Database(join(home.path, 'sluice.db'), { readonly: true });
  try {
    return (db.prepare('SELECT message FROM logs').all() as Array<{ message: string }>).map((row) => row.message);
  } finally {
    db.close();
  }
}

/** Every form a secret could be found in: raw, base64 variants, and the two halves the handler prints. */
const leakedForms = (secret: string) => [...secretForms(secret), secret.slice(0, 5), secret.slice(5)];

describe('masking of function logs', () => {
  it('leaves a secret printed raw, base64-encoded and split in neither the stored nor the streamed logs', async () => {
    const response = await fetch(leakUrl());
    expect(await response.text()).toBe(sha256(SECRET));

    const streamed = await tailLogLines(4);
    expect(streamed.map((line) => line.message)).toEqual([`raw ${SECRET_MASK}`, `b64 ${SECRET_MASK}`, SECRET_MASK, SECRET_MASK]);
    expect(new Set(streamed.map((line) => line.requestId)).size).toBe(1);

    const stored = storedLogMessages().join('\n');
    expect(stored).toContain(SECRET_MASK);
    const listed = (await cli(['logs', 'leak', '--stage', 'dev', '--json'])).stdout;
    const gatewayLog = await readFile(join(home.path, 'gateway.log'), 'utf8');
    for (const form of leakedForms(SECRET)) {
      expect(stored, form).not.toContain(form);
      expect(listed, form).not.toContain(form);
      expect(gatewayLog, form).not.toContain(form);
    }
  });
});

describe('sluice secrets rotate-key', () => {
  it('re-encrypts everything: the old key opens nothing, the function keeps its secret, live and after a restart', async () => {
    const keyFile = join(home.path, 'master.key');
    const oldBox = createSecretBox(parseMasterKey(await readFile(keyFile, 'utf8')));

    const result = JSON.parse((await cli(['secrets', 'rotate-key', '--json'])).stdout) as { previousKeyId: string; keyId: string; secrets: number; versionValues: number; keyFile: string; gatewayUpdated: boolean };
    expect(result).toMatchObject({ previousKeyId: oldBox.keyId, secrets: 1, versionValues: 1, keyFile, gatewayUpdated: true });
    const newBox = createSecretBox(parseMasterKey(await readFile(keyFile, 'utf8')));
    expect(newBox.keyId).toBe(result.keyId);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);

    const db = new Database(join(home.path, 'sluice.db'), { readonly: true });
    const sealed = [
      ...(db.prepare('SELECT ciphertext FROM secrets').all() as Array<{ ciphertext: string }>).map((row) => row.ciphertext),
      ...(db.prepare('SELECT config FROM versions').all() as Array<{ config: string }>).flatMap((row) => Object.values((JSON.parse(row.config) as { secretEnvironment: Record<string, string> }).secretEnvironment)),
    ];
    db.close();
    expect(sealed).toHaveLength(2);
    for (const ciphertext of sealed) {
      expect(newBox.decrypt(ciphertext)).toBe(SECRET);
      expect(() => oldBox.decrypt(ciphertext)).toThrow(/cannot be decrypted/);
    }
    const health = (await (await fetch(`${plane.gateway}/_sluice/health`)).json()) as { keyId: string };
    expect(health.keyId).toBe(newBox.keyId);
    expect(await (await fetch(leakUrl())).text()).toBe(sha256(SECRET));

    // A secret changed after the rotation is sealed with the new key and opened by the running gateway.
    expect((await cli(['secrets', 'set', 'API_KEY', '--profile', 'default'], NEXT_SECRET)).code).toBe(0);
    await runCliJson(['deploy', '--stage', 'dev'], { cwd: app.path, server: plane.api });
    expect(await (await fetch(leakUrl())).text()).toBe(sha256(NEXT_SECRET));

    // A fresh control plane and gateway start from the key file and open the re-encrypted values.
    await plane.stop();
    plane = await startUp({ home: home.path, apiPort: plane.apiPort, gatewayPort: plane.gatewayPort });
    expect(await (await fetch(leakUrl())).text()).toBe(sha256(NEXT_SECRET));
    const ready = await fetch(`${plane.api}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('refuses to rotate a key from SLUICE_MASTER_KEY unless given the new one, which it does not write', async () => {
    const envHome = await tempDir('sluice-envkey-home-');
    const oldKey = 'cd'.repeat(32);
    const envPlane = await startUp({ home: envHome.path, env: { SLUICE_MASTER_KEY: oldKey } });
    try {
      const run = (args: string[], input?: string) => runCli(args, { cwd: app.path, server: envPlane.api, input });
      expect((await run(['secrets', 'set', 'API_KEY', '--profile', 'default'], SECRET)).code).toBe(0);
      const refused = await run(['secrets', 'rotate-key']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('MASTER_KEY_FROM_ENVIRONMENT');
      expect(refused.stderr).toContain('--key-stdin');

      const newKey = 'ef'.repeat(32);
      const rotated = await run(['secrets', 'rotate-key', '--key-stdin'], newKey);
      expect(rotated.code).toBe(0);
      expect(rotated.stdout).toContain('Set SLUICE_MASTER_KEY to the new key');
      await expect(stat(join(envHome.path, 'master.key'))).rejects.toThrow(/ENOENT/);
      const db = new Database(join(envHome.path, 'sluice.db'), { readonly: true });
      const { ciphertext } = db.prepare('SELECT ciphertext FROM secrets').get() as { ciphertext: string };
      db.close();
      expect(createSecretBox(parseMasterKey(newKey)).decrypt(ciphertext)).toBe(SECRET);
    } finally {
      await envPlane.stop();
      await envHome.remove();
    }
  });
});
