// Client-side packaging before a deploy: read the manifests, bundle every function of the selected services,
// and return what is uploaded to the control plane (manifest texts, bundles by hash, function → hash).
// The manifest layer and esbuild are loaded only when needed: with the bundle cache and nothing changed,
// neither is (bundle-cache.ts).

import { join, resolve } from 'node:path';
import type { ManifestSources } from '../manifest/index.js';
import { BundleCache, type FunctionToBundle, type PackagePlan } from './bundle-cache.js';

export interface AppPackage {
  app: string;
  sources: ManifestSources;
  bundles: Record<string, Buffer>;
  functionCode: Record<string, string>;
}

export interface PackageOptions {
  /**
   * The app's bundle cache (`.sluice/cache/`): `reuse` takes unchanged bundles from it and records new ones,
   * `rebuild` bundles everything and records it. Without it, nothing is read or written.
   */
  cache?: 'reuse' | 'rebuild';
  /** Dates the start of each build against files' change times (bundle-inputs.ts); tests move it. */
  now?: () => number;
}

export async function packageApp(rootDir: string, onlyServices: string[] = [], options: PackageOptions = {}): Promise<AppPackage> {
  const root = resolve(rootDir);
  const cache = options.cache ? await BundleCache.open(root, { reuse: options.cache === 'reuse', now: options.now }).catch(() => undefined) : undefined;
  const plan = (await cache?.cachedPlan()) ?? (await readPlan(root));
  cache?.rememberPlan(plan);
  const bundles: Record<string, Buffer> = {};
  const functionCode: Record<string, string> = {};
  const wanted = plan.functions.filter((fn) => onlyServices.length === 0 || onlyServices.includes(fn.service) || onlyServices.includes(fn.serviceDir));
  let bundler: Promise<typeof import('./bundle-function.js')> | undefined;
  await Promise.all(
    wanted.map(async (fn) => {
      const build = async () => (await (bundler ??= import('./bundle-function.js'))).bundleFunction(join(root, fn.serviceDir), fn.handlerModule, fn.handlerExport, fn.label);
      const bundle = cache ? await cache.bundle(fn, build) : await build();
      bundles[bundle.codeHash] = bundle.code;
      functionCode[fn.label] = bundle.codeHash;
    }),
  );
  await cache?.save();
  return { app: plan.app, sources: plan.sources, bundles, functionCode };
}

/** Reads and validates the manifests (every problem at once), and lists the functions and hooks to bundle. */
async function readPlan(root: string): Promise<PackagePlan> {
  const { parseApp, readManifestSources } = await import('../manifest/index.js');
  const sources = await readManifestSources(root);
  const loaded = parseApp(sources);
  const functions: FunctionToBundle[] = loaded.services.flatMap((service) =>
    [...Object.entries(service.handlers), ...Object.entries(service.hookHandlers).map(([hook, handler]) => [`hook-${hook}`, handler!] as const)].map(([fn, handler]) => ({
      label: `${service.name}.${fn}`,
      service: service.name,
      serviceDir: service.dir,
      handlerModule: handler.handlerModule,
      handlerExport: handler.handlerExport,
    })),
  );
  return { app: loaded.app.app, sources, functions };
}
