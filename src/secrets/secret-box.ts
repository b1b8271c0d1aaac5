// Encryption of secrets at rest: AES-256-GCM with a master key from SLUICE_MASTER_KEY or a 0600 key file
// created in the data directory on first start. Ciphertext format: `v1:<iv b64>:<tag b64>:<data b64>`.

import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SluiceError } from '../errors/index.js';

export interface SecretBox {
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
  /** Keyed digest of a secret value: equal values give equal digests, and nothing about the value leaks. */
  digest(plaintext: string): string;
  /** Short fingerprint of the key, safe to show, to tell two keys apart. */
  readonly keyId: string;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new SluiceError('INVALID_ARGUMENT', 'The master key must be 32 bytes (64 hex characters or 44 base64 characters).');
  const keyId = createHash('sha256').update(key).digest('hex').slice(0, 12);
  const digestKey = createHmac('sha256', key).update('sluice-secret-digest').digest();
  return {
    keyId,
    digest(plaintext) {
      return createHmac('sha256', digestKey).update(plaintext).digest('hex');
    },
    encrypt(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(':');
    },
    decrypt(ciphertext) {
      const [version, iv, tag, data] = ciphertext.split(':');
      if (version !== 'v1' || !iv || !tag || data === undefined) {
        throw new SluiceError('SECRET_KEY_MISMATCH', 'A stored secret is not in a format this Sluice understands.');
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
        decipher.setAuthTag(Buffer.from(tag, 'base64'));
        return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
      } catch (cause) {
        throw new SluiceError('SECRET_KEY_MISMATCH', 'A stored secret cannot be decrypted with the current master key.', { cause });
      }
    },
  };
}

/** Parses a key given as 64 hex characters or base64 of 32 bytes. */
export function parseMasterKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new SluiceError('INVALID_ARGUMENT', 'SLUICE_MASTER_KEY must be 32 bytes, written as 64 hex characters or base64.', {
      hint: 'Generate one with: node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'hex\'))"',
    });
  }
  return key;
}

/** The master key: SLUICE_MASTER_KEY when given, else `<home>/master.key`, created with mode 0600 when missing. */
export async function loadMasterKey(home: string, envKey: string | undefined): Promise<Buffer> {
  if (envKey) return parseMasterKey(envKey);
  const file = join(home, 'master.key');
  try {
    return parseMasterKey(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(home, { recursive: true });
  const key = randomBytes(32);
  try {
    await writeFile(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process (the gateway) created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return parseMasterKey(await readFile(file, 'utf8'));
    throw error;
  }
  await chmod(file, 0o600);
  return key;
}
