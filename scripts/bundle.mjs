// Bundles the CLI from the tsc output (dist/cli/main.js) into dist/bundle/, so `sluice` — and `sluice up`'s
// control plane — loads a few dozen files instead of ~600 modules (about half the start-up time). Dynamic
// imports stay lazy, as chunks of their own. Packages with native code or files of their own found at
// run time stay outside: better-sqlite3, esbuild, pg, pino.
//
// The gateway process and the function worker run from dist/ as tsc wrote them: bundled, the gateway
// served hello requests ~20% slower with a p99 above 10 ms (measured with `npm run bench -- gateway`).
// Run by `npm run build` after tsc.

import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;

await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { cli: 'dist/cli/main.js' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  external: ['better-sqlite3', 'esbuild', 'pg', 'pino'],
  // CommonJS packages inside an ESM bundle still call require().
  banner: { js: "import { createRequire as __sluiceCreateRequire } from 'node:module'; const require = __sluiceCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
