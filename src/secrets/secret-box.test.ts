import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSecretBox, loadMasterKey } from './index.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('secret box', () => {
  it('round-trips and never stores the plaintext', () => {
    const box = createSecretBox(Buffer.alloc(32, 7));
    const sealed = box.encrypt('hunter2');
    expect(sealed).not.toContain('hunter2');
    expect(sealed).not.toBe(box.encrypt('hunter2'));
    expect(box.decrypt(sealed)).toBe('hunter2');
  });

  it('refuses ciphertext sealed with another key', () => {
    const sealed = createSecretBox(Buffer.alloc(32, 1)).encrypt('x');
    expect(() => createSecretBox(Buffer.alloc(32, 2)).decrypt(sealed)).toThrow(/cannot be decrypted/);
  });

  it('creates a 0600 key file once and reuses it', async () => {
    const home = await mkdtemp(join(tmpdir(), 'sluice-key-'));
    dirs.push(home);
    const first = await loadMasterKey(home, undefined);
    const again = await loadMasterKey(home, undefined);
    expect(again.equals(first)).toBe(true);
    expect((await stat(join(home, 'master.key'))).mode & 0o777).toBe(0o600);
  });

  it('prefers SLUICE_MASTER_KEY and rejects a malformed one', async () => {
    const hex = 'ab'.repeat(32);
    expect((await loadMasterKey('/nonexistent', hex)).toString('hex')).toBe(hex);
    await expect(loadMasterKey('/nonexistent', 'short')).rejects.toThrow(/32 bytes/);
  });
});
