// The master key file `<home>/master.key` (mode 0600) during a rotation: the new key is first written beside
// it as `master.key.next` and synced, the store is re-encrypted, then the new file replaces the old one with
// a rename (atomic on one file system). A crash in between leaves both files; the next start finds out which
// key the store is sealed with (see src/composition/key-rotation.ts).

import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

export const MASTER_KEY_FILE = 'master.key';
const NEXT_SUFFIX = '.next';

export function masterKeyPath(home: string): string {
  return join(home, MASTER_KEY_FILE);
}

export function nextMasterKeyPath(home: string): string {
  return masterKeyPath(home) + NEXT_SUFFIX;
}

/** Writes `master.key.next` with mode 0600 and syncs it to disk. */
export async function stageMasterKeyFile(home: string, key: Buffer): Promise<string> {
  const path = nextMasterKeyPath(home);
  await rm(path, { force: true });
  const file = await open(path, 'wx', 0o600);
  try {
    await file.writeFile(key.toString('hex') + '\n');
    await file.sync();
  } finally {
    await file.close();
  }
  return path;
}

/** Puts the staged key in place of the current one. */
export async function commitMasterKeyFile(home: string): Promise<string> {
  await rename(nextMasterKeyPath(home), masterKeyPath(home));
  return masterKeyPath(home);
}

export async function discardMasterKeyFile(home: string): Promise<void> {
  await rm(nextMasterKeyPath(home), { force: true });
}
