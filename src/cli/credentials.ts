// The tokens `sluice login` stores, one per control plane, in the user's config:
// $XDG_CONFIG_HOME/sluice/credentials.json, else ~/.config/sluice/credentials.json. The file is written
// with mode 0600 (its folder 0700), through a temporary file renamed into place, so it is never readable
// by others, not even half-written.

import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { SluiceError } from '../errors/index.js';

export interface StoredCredential {
  token: string;
  /** Who the token is, as the control plane said at login. */
  name?: string;
  role?: string;
  savedAt: string;
}

interface CredentialsFile {
  servers: Record<string, StoredCredential>;
}

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'sluice', 'credentials.json');
}

/** `http://127.0.0.1:4600/` and `http://127.0.0.1:4600` are one server. */
export function serverKey(server: string): string {
  return server.replace(/\/+$/, '');
}

export async function readCredentials(path = credentialsPath()): Promise<CredentialsFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { servers: {} };
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<CredentialsFile>;
    return { servers: parsed.servers && typeof parsed.servers === 'object' ? parsed.servers : {} };
  } catch {
    throw new SluiceError('INVALID_ARGUMENT', `${path} is not valid JSON.`, { hint: 'Fix or delete the file, then `sluice login` again.' });
  }
}

export async function storedToken(server: string, path = credentialsPath()): Promise<string | undefined> {
  return (await readCredentials(path)).servers[serverKey(server)]?.token;
}

export async function saveCredential(server: string, credential: Omit<StoredCredential, 'savedAt'>, path = credentialsPath()): Promise<void> {
  const file = await readCredentials(path);
  file.servers[serverKey(server)] = { ...credential, savedAt: new Date().toISOString() };
  await writePrivate(path, file);
}

/** Forgets the server's token; false when there was none. */
export async function removeCredential(server: string, path = credentialsPath()): Promise<boolean> {
  const file = await readCredentials(path);
  if (!(serverKey(server) in file.servers)) return false;
  delete file.servers[serverKey(server)];
  await writePrivate(path, file);
  return true;
}

async function writePrivate(path: string, file: CredentialsFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
    // The mode given to writeFile is filtered by the umask; this one is not.
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
