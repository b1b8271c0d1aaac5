// Which app a command is about: --app NAME, else the `app:` of the sluice.app.yml in the current folder or
// one of its parents.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type * as Yaml from 'yaml';
import { SluiceError } from '../errors/index.js';

// The YAML parser is loaded by the commands that read a manifest, not by every start of the CLI.
const requireModule = createRequire(import.meta.url);

export function findAppRoot(start = process.cwd()): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'sluice.app.yml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function appRootOrFail(start?: string): string {
  const root = findAppRoot(start);
  if (!root) {
    throw new SluiceError('MANIFEST_NOT_FOUND', `No sluice.app.yml in ${resolve(start ?? process.cwd())} or its parents.`, {
      hint: 'Run the command inside an app folder, or pass --dir DIR.',
    });
  }
  return root;
}

export function appName(options: { app?: string; dir?: string }): string {
  if (options.app) return options.app;
  const root = appRootOrFail(options.dir);
  const { parse } = requireModule('yaml') as typeof Yaml;
  const document = parse(readFileSync(join(root, 'sluice.app.yml'), 'utf8')) as { app?: unknown } | null;
  if (!document || typeof document.app !== 'string') {
    throw new SluiceError('MANIFEST_INVALID', `${join(root, 'sluice.app.yml')} has no \`app:\` name.`);
  }
  return document.app;
}

/** Parses repeated `--param k=v` values. */
export function parseKeyValues(values: string[], option: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf('=');
    if (at <= 0) throw new SluiceError('INVALID_ARGUMENT', `${option} expects key=value, got "${value}".`);
    result[value.slice(0, at)] = value.slice(at + 1);
  }
  return result;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}
