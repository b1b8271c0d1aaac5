// The bundle cache of `sluice deploy`: a function none of whose inputs changed since its last bundle is not
// bundled again, and manifests that read exactly as last time are not parsed again, so a deploy without
// changes loads neither esbuild nor the manifest schemas. A hit gives the very bytes an uncached run gives
// (bundling is deterministic); what counts as an input, and what is not seen, is in bundle-inputs.ts.
//
// Kept under the app root in `.sluice/cache/`: index.json (the manifests last packaged, and per function its
// handler, its bundle's hash and its inputs' fingerprint) and bundles/<sha256>.js. The folder ignores itself
// in git, so the commit a deploy records is not marked dirty by it. Losing or corrupting it costs a rebundle,
// never a wrong bundle: a bundle file is used only when its bytes still hash to the recorded hash.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ManifestSources } from '../manifest/index.js';
import { moduleFile } from '../package-root.js';
import { SLUICE_VERSION } from '../version.js';
import type { FunctionBundle } from './bundle-function.js';
import { CACHE_FOLDER, FileSnapshot, fingerprintHolds, fingerprintInputs, type InputFingerprint } from './bundle-inputs.js';

/** Bump when the index's meaning changes. */
const FORMAT = 1;

/** One function (or rollout hook) of the manifests, to bundle. */
export interface FunctionToBundle {
  /** `service.function`, or `service.hook-preTraffic`. */
  label: string;
  service: string;
  /** The service's folder, relative to the app root. */
  serviceDir: string;
  handlerModule: string;
  handlerExport: string;
}

/** What packaging takes from the manifests. */
export interface PackagePlan {
  app: string;
  sources: ManifestSources;
  functions: FunctionToBundle[];
}

interface BundleEntry {
  /** The handler the bundle is of (bundleSpec). */
  spec: string;
  codeHash: string;
  inputs: InputFingerprint;
}

interface CacheIndex {
  format: number;
  /** Changes with esbuild, Sluice and the bundling code: a new one empties the cache. */
  toolchain: string;
  plan?: PackagePlan;
  bundles: Record<string, BundleEntry>;
}

export class BundleCache {
  readonly #snapshot = new FileSnapshot();
  readonly #built = new Map<string, Buffer>();
  #changed = false;

  private constructor(
    readonly dir: string,
    private readonly appRoot: string,
    private readonly index: CacheIndex,
    private readonly reuse: boolean,
    private readonly now: () => number,
  ) {}

  /** The cache of the app at `appRoot` (absolute); with reuse false, it is only written (a rebuild from scratch). */
  static async open(appRoot: string, options: { reuse: boolean; now?: () => number }): Promise<BundleCache> {
    const dir = join(appRoot, CACHE_FOLDER, 'cache');
    const toolchain = await toolchainId();
    const stored = await readFile(join(dir, 'index.json'), 'utf8').then((text) => JSON.parse(text) as Partial<CacheIndex>, () => undefined);
    const usable = stored?.format === FORMAT && stored.toolchain === toolchain && typeof stored.bundles === 'object' && stored.bundles !== null;
    const index: CacheIndex = usable ? (stored as CacheIndex) : { format: FORMAT, toolchain, bundles: {} };
    return new BundleCache(dir, appRoot, index, options.reuse && usable, options.now ?? Date.now);
  }

  /** The plan packaged last time, when every manifest still reads as then (parsing them again gives the same). */
  async cachedPlan(): Promise<PackagePlan | undefined> {
    const plan = this.reuse ? this.index.plan : undefined;
    if (!plan || plan.sources?.root !== this.appRoot) return undefined;
    try {
      const files = Object.entries(plan.sources.files);
      const current = await Promise.all(files.map(([path]) => readFile(join(this.appRoot, path), 'utf8').catch(() => undefined)));
      return files.every(([, text], i) => current[i] === text) ? plan : undefined;
    } catch {
      return undefined;
    }
  }

  rememberPlan(plan: PackagePlan): void {
    if (this.index.plan === plan) return;
    this.index.plan = plan;
    this.#changed = true;
  }

  #roots: Promise<string[]> | undefined;

  /** The app's folder, and its real path when that differs: through a symlink, esbuild may name an input by either. */
  private roots(): Promise<string[]> {
    this.#roots ??= realpath(this.appRoot).then(
      (real) => (real === this.appRoot ? [this.appRoot] : [this.appRoot, real]),
      () => [this.appRoot],
    );
    return this.#roots;
  }

  /** The bundle of `fn`: the cached one while none of its inputs changed, else `build()`'s, then recorded. */
  async bundle(fn: FunctionToBundle, build: () => Promise<FunctionBundle>): Promise<Pick<FunctionBundle, 'code' | 'codeHash'>> {
    const spec = bundleSpec(this.appRoot, fn);
    const cached = this.reuse ? await this.cachedBundle(fn.label, spec) : undefined;
    if (cached) return cached;
    const startedAt = this.now();
    const built = await build();
    // A fresh snapshot: what is read now, after the build, not what an earlier lookup read.
    const inputs = await fingerprintInputs(new FileSnapshot(), await this.roots(), built.inputs, startedAt).catch(() => undefined);
    if (inputs) {
      this.index.bundles[fn.label] = { spec, codeHash: built.codeHash, inputs };
      this.#built.set(built.codeHash, built.code);
      this.#changed = true;
    }
    return built;
  }

  private async cachedBundle(label: string, spec: string): Promise<Pick<FunctionBundle, 'code' | 'codeHash'> | undefined> {
    const entry = this.index.bundles[label];
    if (!entry || entry.spec !== spec) return undefined;
    try {
      if (!(await fingerprintHolds(this.#snapshot, entry.inputs))) return undefined;
      const code = await readFile(join(this.dir, 'bundles', `${entry.codeHash}.js`));
      return sha256(code) === entry.codeHash ? { code, codeHash: entry.codeHash } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Writes what this run learned; best effort, as a cache that cannot be written only costs time. */
  async save(): Promise<void> {
    if (!this.#changed) return;
    const labels = new Set(this.index.plan?.functions.map((fn) => fn.label) ?? []);
    for (const label of Object.keys(this.index.bundles)) if (!labels.has(label)) delete this.index.bundles[label];
    const bundlesDir = join(this.dir, 'bundles');
    try {
      await mkdir(bundlesDir, { recursive: true });
      await writeFile(join(this.dir, '.gitignore'), '# The bundle cache of `sluice deploy`: nothing here belongs in git.\n*\n');
      for (const [hash, code] of this.#built) await writeAtomically(join(bundlesDir, `${hash}.js`), code);
      const kept = new Set(Object.values(this.index.bundles).map((entry) => `${entry.codeHash}.js`));
      for (const file of await readdir(bundlesDir)) if (!kept.has(file)) await rm(join(bundlesDir, file), { force: true });
      await writeAtomically(join(this.dir, 'index.json'), JSON.stringify(this.index));
    } catch {
      // Read-only or full disk: the next deploy bundles again.
    }
  }
}

/** What identifies a function's bundle besides its inputs: where and what its handler is. */
function bundleSpec(appRoot: string, fn: FunctionToBundle): string {
  return JSON.stringify([join(appRoot, fn.serviceDir), fn.handlerModule, fn.handlerExport, fn.label]);
}

/** esbuild's version, Sluice's, and the bundling code with its options, without loading esbuild. */
async function toolchainId(): Promise<string> {
  const esbuildPackage = await readFile(createRequire(import.meta.url).resolve('esbuild/package.json'), 'utf8');
  const esbuildVersion = (JSON.parse(esbuildPackage) as { version: string }).version;
  const bundler = await readFile(moduleFile('engine/bundle-function'));
  return sha256(JSON.stringify([FORMAT, SLUICE_VERSION, esbuildVersion, sha256(bundler)]));
}

async function writeAtomically(path: string, data: string | Buffer): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, path).catch(async (error: unknown) => {
    await rm(temporary, { force: true });
    throw error;
  });
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
