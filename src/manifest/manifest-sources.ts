// The only I/O of the manifest layer: reads sluice.app.yml and each listed service's sluice.yml from disk
// into ManifestSources, the in-memory form the CLI uploads and parseApp reads.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { SluiceError } from '../errors/index.js';
import { APP_MANIFEST_FILE, normalizeFolder, SERVICE_MANIFEST_FILE } from './app-manifest.js';
import { serviceFolderProblem } from './app-schema.js';
import type { ManifestSources } from './types.js';

/**
 * Reads the manifests of the app rooted at `rootDir`. A listed folder without sluice.yml is left out here;
 * parseApp reports it at its `services:` entry.
 */
export async function readManifestSources(rootDir: string): Promise<ManifestSources> {
  const root = resolve(rootDir);
  return collectManifestSources(root, (path) => readTextIfPresent(join(root, path)));
}

/**
 * Reads the app manifest and the manifests of its listed services through `read` (a path relative to the
 * root → its text, or undefined when absent): from disk, or from a commit of a git repository.
 */
export async function collectManifestSources(root: string, read: (path: string) => Promise<string | undefined>): Promise<ManifestSources> {
  const appText = await read(APP_MANIFEST_FILE);
  if (appText === undefined) {
    throw new SluiceError('MANIFEST_NOT_FOUND', `No ${APP_MANIFEST_FILE} in ${root}.`, {
      hint: `Run the command in the app's root folder (the one holding ${APP_MANIFEST_FILE}), or pass --app DIR.`,
    });
  }
  const files: Record<string, string> = { [APP_MANIFEST_FILE]: appText };
  const servicePaths = listedServiceFolders(appText).map((folder) => `${folder}/${SERVICE_MANIFEST_FILE}`);
  const texts = await Promise.all(servicePaths.map((path) => read(path)));
  servicePaths.forEach((path, index) => {
    const text = texts[index];
    if (text !== undefined) files[path] = text;
  });
  return { root, files };
}

/** The folders listed under `services:` that stay inside the root; the rest is reported by parseApp. */
function listedServiceFolders(appText: string): string[] {
  const listed = (parseDocument(appText).toJS() as { services?: unknown } | null)?.services;
  if (!Array.isArray(listed)) return [];
  const folders = listed.filter((entry): entry is string => typeof entry === 'string' && serviceFolderProblem(entry) === undefined);
  return [...new Set(folders.map(normalizeFolder))];
}

async function readTextIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw error;
  }
}
