import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { StoreHarness } from '../store/testing/store-harness.js';
import { config, newVersion } from '../store/testing/store-fixtures.js';
import { createRotatingSecretBox, createSecretBox, resealSecrets, SecretWriteGate } from './index.js';

const harness = new StoreHarness(undefined);
afterEach(() => harness.teardown());
afterAll(() => harness.dropSchemas());

const oldBox = createSecretBox(Buffer.alloc(32, 1));
const newBox = createSecretBox(Buffer.alloc(32, 2));

describe('resealSecrets', () => {
  it('re-encrypts every secret and version value with the new key, in one transaction', async () => {
    const { store } = await harness.freshStore('sqlite');
    await store.setSecret('dev', 'API_KEY', oldBox.encrypt('dev-key'));
    await store.createVersion(newVersion('v1', { config: config({ secretEnvironment: { API_KEY: oldBox.encrypt('dev-key') } }) }));
    const result = await resealSecrets(store, oldBox, newBox);
    expect(result).toEqual({ secrets: 1, versionValues: 1, webhookSecrets: 0, unreadable: [] });
    for (const value of await store.listSealedValues()) {
      expect(newBox.decrypt(value.ciphertext)).toBe('dev-key');
      expect(() => oldBox.decrypt(value.ciphertext)).toThrow(/cannot be decrypted/);
    }
  });

  it('changes nothing when a value does not open, unless told to skip it', async () => {
    const { store } = await harness.freshStore('sqlite');
    await store.setSecret('dev', 'GOOD', oldBox.encrypt('good-value'));
    await store.setSecret('dev', 'LOST', newBox.encrypt('lost-value'));
    const before = await store.listSealedValues();
    await expect(resealSecrets(store, oldBox, newBox)).rejects.toThrow(/secret LOST of profile dev/);
    expect(await store.listSealedValues()).toEqual(before);
    const skipped = await resealSecrets(store, oldBox, newBox, { skipUnreadable: true });
    expect(skipped.unreadable).toEqual(['secret LOST of profile dev']);
    expect(newBox.decrypt((await store.getSecret('dev', 'GOOD'))!)).toBe('good-value');
  });
});

describe('createRotatingSecretBox', () => {
  it('seals with the new key and opens old text until the previous key is forgotten', () => {
    const box = createRotatingSecretBox(oldBox);
    const sealedBefore = box.encrypt('value');
    box.rotate(newBox);
    expect(box.keyId).toBe(newBox.keyId);
    expect(newBox.decrypt(box.encrypt('value'))).toBe('value');
    expect(box.decrypt(sealedBefore)).toBe('value');
    box.forgetPrevious();
    expect(() => box.decrypt(sealedBefore)).toThrow(/cannot be decrypted/);
  });
});

describe('SecretWriteGate', () => {
  it('refuses a rotation while a writer runs, and makes writers wait for a rotation', async () => {
    const gate = new SecretWriteGate();
    let finishWrite!: () => void;
    const writing = gate.write(() => new Promise<void>((resolve) => (finishWrite = resolve)));
    await expect(gate.rotate(async () => 'rotated')).rejects.toThrow(/cannot be rotated/);
    finishWrite();
    await writing;

    const order: string[] = [];
    let finishRotation!: () => void;
    const rotating = gate.rotate(() => new Promise<void>((resolve) => (finishRotation = resolve)).then(() => void order.push('rotation')));
    const waiting = gate.write(async () => void order.push('write'));
    await expect(gate.rotate(async () => undefined)).rejects.toThrow(/already running/);
    finishRotation();
    await Promise.all([rotating, waiting]);
    expect(order).toEqual(['rotation', 'write']);
  });
});
