#!/usr/bin/env node
// Part of `npm run build`, after tsc: bundles the gateway process (dist/composition/gateway-process.js and
// everything it imports: the runtime, the store, kysely, pino, prom-client…) into one file,
// dist/runtime/gateway-process.bundle.js. Node loads one file far faster than the ~500 modules it replaces,
// and the gateway's start is what `sluice up` waits on before it serves the first request. The bundle sits
// in dist/runtime/ so the worker entry it resolves beside itself (worker-file.ts) is dist/runtime/worker-main.js.
// better-sqlite3 stays outside (a native module); pg is bundled but loaded only for PostgreSQL.
// `sluice up` starts the bundle when it is at least as new as the compiled entry (gateway-handle.ts), else
// the compiled entry itself, so a tsc-only build never runs a stale bundle.

import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: ['dist/composition/gateway-process.js'],
  outfile: 'dist/runtime/gateway-process.bundle.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'pg-native'],
  // CommonJS dependencies (pino, prom-client, pg) call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __sluiceCreateRequire } from 'node:module'; const require = __sluiceCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
