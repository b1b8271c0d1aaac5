// Where this package's own files are: package.json, dist/web, examples. Found by walking up from the
// running module to the package.json named "sluice", so the path holds for the sources (tests), the tsc
// output in dist/ and the bundles in dist/bundle/ alike.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(from: string): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'sluice') return dir;
    if (dirname(dir) === dir) throw new Error(`Sluice's package.json was not found above ${from}.`);
  }
}

export const PACKAGE_ROOT: string = findPackageRoot(fileURLToPath(import.meta.url));

/** A path inside the package, e.g. packagePath('dist', 'web'). */
export function packagePath(...segments: string[]): string {
  return join(PACKAGE_ROOT, ...segments);
}

/** True when Sluice runs from its TypeScript sources (under Vitest), not from a build. */
const FROM_SOURCES = import.meta.url.endsWith('.ts');

/** One of Sluice's modules as a file: `runtime/tables-client` is src/runtime/tables-client.ts under the sources, dist/runtime/tables-client.js in a build. */
export function moduleFile(module: string): string {
  return FROM_SOURCES ? packagePath('src', `${module}.ts`) : packagePath('dist', `${module}.js`);
}
