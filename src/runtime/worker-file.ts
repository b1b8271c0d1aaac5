// Finds the worker entry. Worker threads need plain JS, so the entry is the compiled worker-main.js next
// to the running module (dist/runtime/). When the running module is the TypeScript source (under Vitest),
// there is no .js beside it and the built file in dist/runtime/ is used instead: run
// `npx tsc -p tsconfig.json` before `npx vitest run src/runtime` (npm test builds first). A dist older
// than the worker's sources is refused rather than silently testing stale code.

import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SluiceError } from '../errors/index.js';

/** Modules that run inside the worker; a source newer than its build means dist is stale. */
const WORKER_MODULES = ['worker-main', 'worker-protocol', 'console-capture', 'http-event', 'http-response', 'lambda-invocation'];

export function resolveWorkerUrl(moduleUrl: string = import.meta.url): URL {
  if (!moduleUrl.endsWith('.ts')) return new URL('./worker-main.js', moduleUrl);
  const built = new URL('../../dist/runtime/worker-main.js', moduleUrl);
  const hint = 'Build first: npx tsc -p tsconfig.json (npm test does), then run the tests again.';
  if (!existsSync(fileURLToPath(built))) {
    throw new SluiceError('INTERNAL', `The worker entry ${fileURLToPath(built)} does not exist.`, { hint });
  }
  for (const name of WORKER_MODULES) {
    const source = fileURLToPath(new URL(`./${name}.ts`, moduleUrl));
    const output = fileURLToPath(new URL(`../../dist/runtime/${name}.js`, moduleUrl));
    if (!existsSync(output) || (existsSync(source) && statSync(source).mtimeMs > statSync(output).mtimeMs)) {
      throw new SluiceError('INTERNAL', `dist/runtime/${name}.js is older than src/runtime/${name}.ts.`, { hint });
    }
  }
  return built;
}
