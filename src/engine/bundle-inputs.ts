// What a function's bundle was built from, recorded so that a later deploy can tell, without running esbuild,
// that bundling again would give the same bytes (bundle-cache.ts).
//
// A fingerprint holds:
// - the contents (sha256) of every file esbuild read as a module;
// - the entries (names, kinds, symlink targets) of the folders an import could newly resolve into: each
//   input's folder and the folders above it up to the app root (for an input outside the app, up to its
//   package's root, the first folder with a package.json), and the `node_modules` (and `@scope`) folders
//   directly inside those. A file added there, such as `lib.ts` next to an import of `./lib` that found
//   `lib/index.ts`, or a package installed nearer than the one found, changes a listing;
// - the contents, or absence, of the files that steer esbuild's resolution and output (package.json,
//   tsconfig.json, jsconfig.json) in those folders and in every folder above the app root.
//
// Not seen (documented in README, "Bundle cache"): a package installed into a node_modules folder above
// the app root that would shadow the one found, and files a tsconfig.json `extends` from elsewhere.
//
// A fingerprint is taken after the build, so it must not describe a file that changed while esbuild ran (an
// editor saving mid-deploy): a file or folder whose ctime is not clearly older than the build's start gives
// no fingerprint, and that bundle is simply not cached.

import { createHash } from 'node:crypto';
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { dirname, join, relative, isAbsolute, sep } from 'node:path';

export interface InputFingerprint {
  /** Absolute path → sha256 of its contents, or null for a file that was absent. */
  files: Record<string, string | null>;
  /** Absolute folder path → sha256 of its entries, or null for a folder that was absent. */
  folders: Record<string, string | null>;
}

const CONFIG_FILES = ['package.json', 'tsconfig.json', 'jsconfig.json'];
/** The folder under the app root that holds the bundle cache (`.sluice/cache`). */
export const CACHE_FOLDER = '.sluice';
/** How much older than a build a change must be to be sure the build saw it: the kernel's coarse clock… */
const FINE_CLOCK_SLACK_MS = 50;
/** …or, on a file system that keeps whole seconds (FAT keeps two), two seconds. */
const COARSE_CLOCK_SLACK_MS = 2000;

/** Reads of one packaging run, each done once however many functions share the file or folder. */
export class FileSnapshot {
  readonly #files = new Map<string, Promise<string | null>>();
  readonly #folders = new Map<string, Promise<FolderState | null>>();

  fileHash(path: string): Promise<string | null> {
    let hash = this.#files.get(path);
    if (!hash) this.#files.set(path, (hash = readFile(path).then(sha256, absentAsNull)));
    return hash;
  }

  folder(path: string): Promise<FolderState | null> {
    let state = this.#folders.get(path);
    if (!state) this.#folders.set(path, (state = readFolder(path).catch(absentAsNull)));
    return state;
  }
}

interface FolderState {
  hash: string;
  /** Entries that are folders (or links) named node_modules or @scope: listed as well. */
  packageFolders: string[];
}

/**
 * The fingerprint of a bundle of `inputs` (absolute paths) in the app at `appRoots` (its path, and its real
 * path when a symlink leads to it: esbuild may name inputs either way), or undefined when an input is not a
 * readable file (a plugin's virtual module) or changed as the build began: such a bundle is not cached.
 */
export async function fingerprintInputs(snapshot: FileSnapshot, appRoots: string[], inputs: string[], buildStartedAt: number): Promise<InputFingerprint | undefined> {
  const files: InputFingerprint['files'] = {};
  const folders: InputFingerprint['folders'] = {};
  const hashes = await Promise.all(inputs.map((input) => snapshot.fileHash(input)));
  if (hashes.includes(null)) return undefined;
  inputs.forEach((input, i) => (files[input] = hashes[i]!));
  const watched = new Set<string>();
  for (const input of inputs) for (const folder of await foldersAbove(snapshot, appRoots, dirname(input))) watched.add(folder);
  for (const folder of appRoots.flatMap(ancestors)) for (const name of CONFIG_FILES) files[join(folder, name)] = await snapshot.fileHash(join(folder, name));
  for (const folder of watched) {
    for (const name of CONFIG_FILES) files[join(folder, name)] = await snapshot.fileHash(join(folder, name));
    await recordFolder(snapshot, folder, folders, 2);
  }
  const present = [...Object.keys(files).filter((path) => files[path] !== null), ...Object.keys(folders).filter((path) => folders[path] !== null)];
  const changedSince = await Promise.all(present.map((path) => changedAfter(path, buildStartedAt)));
  return changedSince.includes(true) ? undefined : { files, folders };
}

/** True when `path` changed (content, entries or metadata) too close to `time` to know whether a build at `time` saw it. */
async function changedAfter(path: string, time: number): Promise<boolean> {
  const { ctimeMs } = await stat(path).catch(() => ({ ctimeMs: Number.POSITIVE_INFINITY }));
  const slack = ctimeMs % 1000 === 0 ? COARSE_CLOCK_SLACK_MS : FINE_CLOCK_SLACK_MS;
  return ctimeMs > time - slack;
}

/** True when every file and folder still reads as the fingerprint recorded. */
export async function fingerprintHolds(snapshot: FileSnapshot, fingerprint: InputFingerprint): Promise<boolean> {
  const files = await Promise.all(Object.entries(fingerprint.files).map(async ([path, hash]) => (await snapshot.fileHash(path)) === hash));
  if (files.includes(false)) return false;
  const folders = await Promise.all(Object.entries(fingerprint.folders).map(async ([path, hash]) => ((await snapshot.folder(path))?.hash ?? null) === hash));
  return !folders.includes(false);
}

/** Lists a folder, and its node_modules (then @scope) folders `depth` levels down. */
async function recordFolder(snapshot: FileSnapshot, folder: string, folders: InputFingerprint['folders'], depth: number): Promise<void> {
  if (folder in folders) return;
  const state = await snapshot.folder(folder);
  folders[folder] = state?.hash ?? null;
  if (!state || depth === 0) return;
  for (const name of state.packageFolders) {
    if (name === 'node_modules' || folder.endsWith(`${sep}node_modules`)) await recordFolder(snapshot, join(folder, name), folders, depth - 1);
  }
}

/** An input's folder and those above it: up to the app root, or for an input outside the app, up to its package root. */
async function foldersAbove(snapshot: FileSnapshot, appRoots: string[], folder: string): Promise<string[]> {
  const appRoot = appRoots.find((root) => isInside(root, folder));
  const result: string[] = [];
  for (let current = folder; ; current = dirname(current)) {
    result.push(current);
    if (appRoot !== undefined ? current === appRoot : (await snapshot.fileHash(join(current, 'package.json'))) !== null) return result;
    if (dirname(current) === current) return result;
  }
}

function ancestors(folder: string): string[] {
  const result: string[] = [];
  for (let current = dirname(folder); ; current = dirname(current)) {
    result.push(current);
    if (dirname(current) === current) return result;
  }
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

async function readFolder(path: string): Promise<FolderState> {
  // The cache's own folder (bundle-cache.ts) appears after the first deploy; it holds no module.
  const entries = (await readdir(path, { withFileTypes: true })).filter((entry) => entry.name !== CACHE_FOLDER);
  const lines = await Promise.all(
    entries.map(async (entry) => {
      const kind = entry.isDirectory() ? 'd' : entry.isSymbolicLink() ? 'l' : entry.isFile() ? 'f' : 'o';
      // A link re-pointed (pnpm, npm link) resolves imports elsewhere under the same name.
      const target = kind === 'l' ? await readlink(join(path, entry.name)).catch(() => '?') : '';
      return `${kind} ${entry.name}${target ? ` -> ${target}` : ''}`;
    }),
  );
  const packageFolders = entries.filter((e) => (e.isDirectory() || e.isSymbolicLink()) && (e.name === 'node_modules' || e.name.startsWith('@'))).map((e) => e.name);
  return { hash: sha256(lines.sort().join('\n')), packageFolders };
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function absentAsNull(error: NodeJS.ErrnoException): null {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR' || error.code === 'EISDIR') return null;
  throw error;
}
