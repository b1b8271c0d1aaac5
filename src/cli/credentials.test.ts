// The CLI's stored logins: one token per server, in a file only its owner can read, even under a lax umask.

import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { credentialsPath, readCredentials, removeCredential, saveCredential, storedToken } from './credentials.js';

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-config-'));
  path = join(dir, 'sluice', 'credentials.json');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('stored logins', () => {
  it('live under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(credentialsPath({ XDG_CONFIG_HOME: '/x' })).toBe('/x/sluice/credentials.json');
    expect(credentialsPath({})).toMatch(/\.config\/sluice\/credentials\.json$/);
  });

  it('keep one token per server in a 0600 file in a 0700 folder, whatever the umask', async () => {
    const previous = process.umask(0o000);
    try {
      await saveCredential('http://127.0.0.1:4600/', { token: 'slc_a', name: 'dana', role: 'deployer' }, path);
      await saveCredential('https://sluice.example', { token: 'slc_b' }, path);
    } finally {
      process.umask(previous);
    }
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'sluice'))).mode & 0o777).toBe(0o700);
    expect(await storedToken('http://127.0.0.1:4600', path)).toBe('slc_a');
    expect(await storedToken('https://sluice.example/', path)).toBe('slc_b');
    expect(await storedToken('http://other:4600', path)).toBeUndefined();
    expect(await removeCredential('http://127.0.0.1:4600', path)).toBe(true);
    expect(await removeCredential('http://127.0.0.1:4600', path)).toBe(false);
    expect(Object.keys((await readCredentials(path)).servers)).toEqual(['https://sluice.example']);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('read as empty when absent, and name the file when it is not JSON', async () => {
    expect(await readCredentials(path)).toEqual({ servers: {} });
    await saveCredential('http://a', { token: 't' }, path);
    await writeFile(path, '{ nope');
    await expect(readCredentials(path)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: `${path} is not valid JSON.` });
  });
});
