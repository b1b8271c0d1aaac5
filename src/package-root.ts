// Where this package's own files are: package.json, dist/web, examples. Found by walking up from the
// running module to the package.json named "sluice", so the path holds for the sources (tests), the tsc
// output in dist/ and the bundles in dist/bundle/ alike. The manifest read on the way is kept: the
// version comes from it (src/version.ts) without reading it again.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface PackageManifest {
  name?: string;
  version: string;
}

function findPackage(from: string): { root: string; manifest: PackageManifest } {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as PackageManifest;
      if (manifest.name === 'sluice') return { root: dir, manifest };
    }
    if (dirname(dir) === dir) throw new Error(`Sluice's package.json was not found above ${from}.`);
  }
}

const found = findPackage(fileURLToPath(import.meta.url));

/** Sluice's package.json. */
export const PACKAGE_MANIFEST: Readonly<PackageManifest> = found.manifest;

/** A path inside the package, e.g. packagePath('dist', 'web'). */
export function packagePath(...segments: string[]): string {
  return join(found.root, ...segments);
}

/** True when Sluice runs from its TypeScript sources (under Vitest), not from a build. */
const FROM_SOURCES = import.meta.url.endsWith('.ts');

/** One of Sluice's modules as a file: `runtime/tables-client` is src/runtime/tables-client.ts under the sources, dist/runtime/tables-client.js in a build. */
export function moduleFile(module: string): string {
  return FROM_SOURCES ? packagePath('src', `${module}.ts`) : packagePath('dist', `${module}.js`);
}
