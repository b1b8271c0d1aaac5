// Packaging: bundles one function's handler module with esbuild into a single ESM file and hashes it.
// The bundle is built relative to the service folder so the same source gives the same hash on any machine.

import type { Plugin } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { SluiceError } from '../errors/index.js';
import { moduleFile } from '../package-root.js';

const HANDLER_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs'];

export interface FunctionBundle {
  code: Buffer;
  /** sha256 of the bundle, hex. */
  codeHash: string;
  /** Absolute paths of the files esbuild read as modules (for the bundle cache, bundle-cache.ts). */
  inputs: string[];
}

/** Finds `src/handler` as any of .ts/.mts/.js/.mjs/.cjs inside the service folder. */
export function findHandlerFile(serviceDir: string, handlerModule: string): string | undefined {
  for (const extension of HANDLER_EXTENSIONS) {
    const candidate = resolve(serviceDir, handlerModule + extension);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Bundles one exported handler. The entry re-exports only that name, so esbuild drops what only the module's
 * other handlers use: changing one function of a shared file changes only the versions whose code changed.
 */
export async function bundleFunction(serviceDir: string, handlerModule: string, handlerExport: string, label: string): Promise<FunctionBundle> {
  const entry = findHandlerFile(serviceDir, handlerModule);
  if (!entry) {
    throw new SluiceError('HANDLER_NOT_FOUND', `${label}: no file ${handlerModule}{${HANDLER_EXTENSIONS.join(',')}} in ${serviceDir}.`);
  }
  const entrySource = `${label}.entry.js`;
  // Loaded on the first bundle, not with the engine: `sluice up` starts without it.
  const { build } = await import('esbuild');
  try {
    const result = await build({
      stdin: {
        contents: `export { ${handlerExport} } from ${JSON.stringify('./' + relative(resolve(serviceDir), entry).split(sep).join('/'))};`,
        resolveDir: resolve(serviceDir),
        sourcefile: entrySource,
        loader: 'js',
      },
      absWorkingDir: resolve(serviceDir),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      metafile: true,
      logLevel: 'silent',
      legalComments: 'none',
      // CommonJS dependencies inside an ESM bundle still call require().
      banner: { js: "import { createRequire as __sluiceCreateRequire } from 'node:module'; const require = __sluiceCreateRequire(import.meta.url);" },
      plugins: [sluicePackagePlugin()],
    });
    const code = Buffer.from(result.outputFiles[0]!.contents);
    // Metafile paths are relative to absWorkingDir; the generated entry is no file.
    const inputs = Object.keys(result.metafile.inputs).map((path) => resolve(serviceDir, path)).filter((path) => path !== resolve(serviceDir, entrySource));
    return { code, codeHash: createHash('sha256').update(code).digest('hex'), inputs };
  } catch (error) {
    const errors = (error as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } | null }> }).errors;
    const detail = errors?.slice(0, 5).map((e) => (e.location ? `${e.location.file}:${e.location.line}:${e.location.column} ${e.text}` : e.text)).join('\n');
    throw new SluiceError('BUNDLE_FAILED', `${label}: bundling failed${detail ? `:\n${detail}` : ''}`, { cause: error });
  }
}

/** Resolves `sluice/tables` to this package's table client, so handlers need not install Sluice themselves. */
function sluicePackagePlugin(): Plugin {
  const file = moduleFile('runtime/tables-client');
  const client = existsSync(file) ? file : undefined;
  return {
    name: 'sluice-package',
    setup(builder) {
      builder.onResolve({ filter: /^sluice\/tables$/ }, () => {
        if (!client) return { errors: [{ text: 'The Sluice table client is missing from this installation.' }] };
        return { path: client };
      });
    },
  };
}
