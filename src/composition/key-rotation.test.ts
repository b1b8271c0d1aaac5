import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../engine/index.js';
import { createRotatingSecretBox, createSecretBox, parseMasterKey } from '../secrets/index.js';
import { StoreHarness } from '../store/testing/store-harness.js';
import { config, newVersion } from '../store/testing/store-fixtures.js';
import { masterKeyProblem, masterKeyRotation, recoverKeyFile } from './key-rotation.js';
import { silentLogger } from './logger.js';

const harness = new StoreHarness(undefined);
const homes: string[] = [];
afterEach(async () => {
  await harness.teardown();
  await Promise.all(homes.splice(0).map((home) => rm(home, { recursive: true, force: true })));
});
afterAll(() => harness.dropSchemas());

const OLD = Buffer.alloc(32, 3);
const NEW = Buffer.alloc(32, 4);

async function setup(options: { keyFromEnvironment?: boolean; gatewayFails?: boolean } = {}) {
  const home = await mkdtemp(join(tmpdir(), 'sluice-rotation-'));
  homes.push(home);
  await writeFile(join(home, 'master.key'), OLD.toString('hex') + '\n', { mode: 0o600 });
  const { store } = await harness.freshStore('sqlite');
  const box = createRotatingSecretBox(createSecretBox(OLD));
  await store.setSecret('prod', 'API_KEY', box.encrypt('prod-value'));
  await store.createVersion(newVersion('v1', { config: config({ secretEnvironment: { API_KEY: box.encrypt('prod-value') } }) }));
  const gatewayKeys: string[] = [];
  const events = new EventBus();
  const recorded: string[] = [];
  events.subscribe((event) => recorded.push(event.type));
  const rotation = masterKeyRotation({
    home,
    store,
    box,
    keyFromEnvironment: options.keyFromEnvironment ?? false,
    gateway: { rotateKey: async (key) => (options.gatewayFails ? Promise.reject(new Error('down')) : void gatewayKeys.push(key)) },
    events,
    log: silentLogger(),
  });
  return { home, store, box, rotation, gatewayKeys, recorded };
}

describe('masterKeyRotation', () => {
  it('writes the new key file 0600, re-encrypts the store, switches the box, tells the gateway and records it', async () => {
    const { home, store, box, rotation, gatewayKeys, recorded } = await setup();
    const oldKeyId = box.keyId;
    const result = await rotation.rotate({ actor: 'root' });
    const newKey = parseMasterKey(await readFile(join(home, 'master.key'), 'utf8'));
    expect(result).toEqual({ previousKeyId: oldKeyId, keyId: createSecretBox(newKey).keyId, secrets: 1, versionValues: 1, unreadable: 0, keyFile: join(home, 'master.key'), gatewayUpdated: true });
    expect((await stat(join(home, 'master.key'))).mode & 0o777).toBe(0o600);
    expect(existsSync(join(home, 'master.key.next'))).toBe(false);
    expect(gatewayKeys).toEqual([newKey.toString('hex')]);
    expect(box.keyId).toBe(result.keyId);
    for (const { ciphertext } of await store.listSealedValues()) {
      expect(box.decrypt(ciphertext)).toBe('prod-value');
      expect(() => createSecretBox(OLD).decrypt(ciphertext)).toThrow();
    }
    expect(recorded).toEqual(['secret.keyRotated']);
  });

  it('refuses a key from SLUICE_MASTER_KEY without a new one, and writes no file with one', async () => {
    const { home, rotation, box } = await setup({ keyFromEnvironment: true });
    await expect(rotation.rotate({ actor: 'root' })).rejects.toMatchObject({ code: 'MASTER_KEY_FROM_ENVIRONMENT' });
    const result = await rotation.rotate({ actor: 'root', key: NEW.toString('hex') });
    expect(result.keyFile).toBeNull();
    expect(box.keyId).toBe(createSecretBox(NEW).keyId);
    expect(parseMasterKey(await readFile(join(home, 'master.key'), 'utf8')).equals(OLD)).toBe(true);
  });

  it('leaves the key file and the store as they were when the store refuses', async () => {
    const { home, store, box, rotation } = await setup();
    await store.setSecret('prod', 'LOST', createSecretBox(NEW).encrypt('unreadable'));
    await expect(rotation.rotate({ actor: 'root', key: Buffer.alloc(32, 9).toString('hex') })).rejects.toMatchObject({ code: 'SECRET_KEY_MISMATCH' });
    expect(parseMasterKey(await readFile(join(home, 'master.key'), 'utf8')).equals(OLD)).toBe(true);
    expect(existsSync(join(home, 'master.key.next'))).toBe(false);
    expect(box.decrypt((await store.getSecret('prod', 'API_KEY'))!)).toBe('prod-value');
    await expect(rotation.rotate({ actor: 'root', key: OLD.toString('hex') })).rejects.toThrow(/is the current one/);
  });

  it('reports a gateway that did not take the key, and refuses to rotate under a running deploy', async () => {
    const failing = await setup({ gatewayFails: true });
    expect((await failing.rotation.rotate({ actor: 'root' })).gatewayUpdated).toBe(false);

    const { rotation } = await setup();
    let finish!: () => void;
    const deploy = rotation.sealing(() => new Promise<void>((resolve) => (finish = resolve)));
    await expect(rotation.rotate({ actor: 'root' })).rejects.toMatchObject({ code: 'CONFLICT' });
    finish();
    await deploy;
  });
});

describe('recoverKeyFile', () => {
  it('keeps the staged key when the store was re-encrypted with it, else the current one', async () => {
    const { home, store } = await setup();
    await writeFile(join(home, 'master.key.next'), NEW.toString('hex'));
    expect((await recoverKeyFile(home, store, OLD, silentLogger())).equals(OLD)).toBe(true);
    expect(existsSync(join(home, 'master.key.next'))).toBe(false);

    await store.transaction(async (tx) => {
      const sealed = await tx.listSealedValues();
      await tx.replaceSealedValues(sealed.map((v) => ({ ...v, ciphertext: createSecretBox(NEW).encrypt('prod-value') })));
    });
    await writeFile(join(home, 'master.key.next'), NEW.toString('hex'));
    expect((await recoverKeyFile(home, store, OLD, silentLogger())).equals(NEW)).toBe(true);
    expect(parseMasterKey(await readFile(join(home, 'master.key'), 'utf8')).equals(NEW)).toBe(true);
  });
});

describe('masterKeyProblem', () => {
  it('names a key that opens none of the stored secrets', async () => {
    const { store } = await setup();
    expect(await masterKeyProblem(store, createSecretBox(OLD))).toBeUndefined();
    expect(await masterKeyProblem(store, createSecretBox(NEW))).toMatch(/opens none of the 1 stored secrets/);
  });
});
