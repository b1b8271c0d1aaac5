// Client-side packaging before a deploy: read the manifests, bundle every function of the selected services,
// and return what is uploaded to the control plane (manifest texts, bundles by hash, function → hash).

import { join } from 'node:path';
import { parseApp, readManifestSources, type ManifestSources } from '../manifest/index.js';
import { bundleFunction } from './bundle-function.js';

export interface AppPackage {
  app: string;
  sources: ManifestSources;
  bundles: Record<string, Buffer>;
  functionCode: Record<string, string>;
}

export async function packageApp(rootDir: string, onlyServices: string[] = []): Promise<AppPackage> {
  const sources = await readManifestSources(rootDir);
  const loaded = parseApp(sources);
  const bundles: Record<string, Buffer> = {};
  const functionCode: Record<string, string> = {};
  const wanted = loaded.services.filter((s) => onlyServices.length === 0 || onlyServices.includes(s.name) || onlyServices.includes(s.dir));
  await Promise.all(
    wanted.flatMap((service) =>
      [...Object.entries(service.handlers), ...Object.entries(service.hookHandlers).map(([hook, handler]) => [`hook-${hook}`, handler!] as const)].map(async ([fn, handler]) => {
        const bundle = await bundleFunction(join(rootDir, service.dir), handler.handlerModule, handler.handlerExport, `${service.name}.${fn}`);
        bundles[bundle.codeHash] = bundle.code;
        functionCode[`${service.name}.${fn}`] = bundle.codeHash;
      }),
    ),
  );
  return { app: loaded.app.app, sources, bundles, functionCode };
}
