// Packaging with the bundle cache: a hit gives exactly what bundling from scratch gives, and anything that
// could change a bundle (a source, a file that now shadows an import, a package installed nearer, a config
// file, the manifests, a damaged cache) makes it bundle again.

import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bundleFunction } from './bundle-function.js';
import { packageApp, type PackageOptions } from './package-app.js';

vi.mock('./bundle-function.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('./bundle-function.js')>();
  return { ...actual, bundleFunction: vi.fn(actual.bundleFunction) };
});
const bundled = vi.mocked(bundleFunction);

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-package-'));
  await writeFiles({
    'sluice.app.yml': 'app: shop\nservices: [api]\n',
    'api/sluice.yml': 'service: api\nfunctions:\n  hello:\n    handler: src/hello.main\n  bye:\n    handler: src/bye.main\n',
    'api/src/hello.ts': "import { greet } from './lib';\nimport { shout } from 'shout';\nexport const main = async () => shout(greet('hello'));\n",
    'api/src/lib/index.ts': 'export const greet = (word: string) => `${word} from lib/index`;\n',
    'api/src/bye.ts': "export const main = async () => 'bye';\n",
    'node_modules/shout/package.json': '{ "name": "shout", "main": "index.js" }\n',
    'node_modules/shout/index.js': 'exports.shout = (text) => text.toUpperCase();\n',
  });
  bundled.mockClear();
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function writeFiles(files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

/** Files are written just before each build here: date the builds later, as if they had been written long ago. */
const cached: PackageOptions = { cache: 'reuse', now: () => Date.now() + 60_000 };

async function expectSameAsUncached(result: Awaited<ReturnType<typeof packageApp>>): Promise<void> {
  const fresh = await packageApp(root);
  expect(result.functionCode).toEqual(fresh.functionCode);
  expect(result.sources).toEqual(fresh.sources);
  expect(Object.keys(result.bundles).sort()).toEqual(Object.keys(fresh.bundles).sort());
  for (const [hash, code] of Object.entries(fresh.bundles)) expect(result.bundles[hash]!.equals(code)).toBe(true);
}

describe('packaging with the bundle cache', () => {
  it('bundles nothing when nothing changed, and gives the bytes an uncached run gives', async () => {
    const first = await packageApp(root, [], cached);
    expect(bundled).toHaveBeenCalledTimes(2);
    bundled.mockClear();
    const second = await packageApp(root, [], cached);
    expect(bundled).not.toHaveBeenCalled();
    expect(second).toEqual(first);
    await expectSameAsUncached(second);
    expect(second.bundles[second.functionCode['api.hello']!]!.toString()).toContain('from lib/index');
  });

  it('bundles again only the function whose source changed', async () => {
    await packageApp(root, [], cached);
    bundled.mockClear();
    await writeFiles({ 'api/src/bye.ts': "export const main = async () => 'goodbye';\n" });
    const result = await packageApp(root, [], cached);
    expect(bundled.mock.calls.map((call) => call[3])).toEqual(['api.bye']);
    expect(result.bundles[result.functionCode['api.bye']!]!.toString()).toContain('goodbye');
    await expectSameAsUncached(result);
  });

  it('bundles again when a new file shadows what an import found', async () => {
    await packageApp(root, [], cached);
    bundled.mockClear();
    // `./lib` found lib/index.ts; a lib.ts next to the importer now wins.
    await writeFiles({ 'api/src/lib.ts': 'export const greet = (word: string) => `${word} from lib.ts`;\n' });
    const result = await packageApp(root, [], cached);
    // bye.ts shares the folder, so it is bundled again too: a folder's change does not say which import it touches.
    expect(bundled.mock.calls.map((call) => call[3]).sort()).toEqual(['api.bye', 'api.hello']);
    expect(result.bundles[result.functionCode['api.hello']!]!.toString()).toContain('from lib.ts');
    await expectSameAsUncached(result);
  });

  it('bundles again when a package is installed nearer than the one found, or a package.json changes', async () => {
    await packageApp(root, [], cached);
    await writeFiles({
      'api/node_modules/shout/package.json': '{ "name": "shout", "main": "index.js" }\n',
      'api/node_modules/shout/index.js': "exports.shout = (text) => text + '!';\n",
      'api/node_modules/shout/main.js': "exports.shout = (text) => text + '?';\n",
    });
    bundled.mockClear();
    const nearer = await packageApp(root, [], cached);
    expect(bundled.mock.calls.map((call) => call[3]).sort()).toEqual(['api.bye', 'api.hello']);
    expect(nearer.bundles[nearer.functionCode['api.hello']!]!.toString()).toContain('text + "!"');
    await expectSameAsUncached(nearer);

    // Only the package.json changes: the same files, another entry point.
    await writeFiles({ 'api/node_modules/shout/package.json': '{ "name": "shout", "main": "main.js" }\n' });
    bundled.mockClear();
    const repointed = await packageApp(root, [], cached);
    expect(bundled.mock.calls.map((call) => call[3])).toEqual(['api.hello']);
    expect(repointed.bundles[repointed.functionCode['api.hello']!]!.toString()).toContain('text + "?"');
  });

  it('reads the manifests again when they changed, reporting their problems', async () => {
    await packageApp(root, [], cached);
    await writeFiles({ 'api/sluice.yml': 'service: api\nfunctions:\n  hello:\n    handler: src/hello.main\n    timeout: soon\n' });
    await expect(packageApp(root, [], cached)).rejects.toMatchObject({ code: 'MANIFEST_INVALID' });
    await writeFiles({ 'api/sluice.yml': 'service: api\nfunctions:\n  hello:\n    handler: src/hello.main\n' });
    bundled.mockClear();
    const result = await packageApp(root, [], cached);
    expect(Object.keys(result.functionCode)).toEqual(['api.hello']);
    expect(bundled).not.toHaveBeenCalled();
  });

  it('never uses a damaged bundle file, and rebuilds everything when asked', async () => {
    const first = await packageApp(root, [], cached);
    const bundlesDir = join(root, '.sluice', 'cache', 'bundles');
    const helloFile = join(bundlesDir, `${first.functionCode['api.hello']}.js`);
    await writeFile(helloFile, (await readFile(helloFile, 'utf8')).replace('from lib/index', 'tampered'));
    bundled.mockClear();
    const repaired = await packageApp(root, [], cached);
    expect(bundled.mock.calls.map((call) => call[3])).toEqual(['api.hello']);
    expect(repaired).toEqual(first);

    bundled.mockClear();
    await packageApp(root, [], { ...cached, cache: 'rebuild' });
    expect(bundled).toHaveBeenCalledTimes(2);
  });

  it('does not cache a bundle of files that changed as the build began, and keeps the cache out of git', async () => {
    await packageApp(root, [], { cache: 'reuse' });
    bundled.mockClear();
    await packageApp(root, [], { cache: 'reuse' });
    expect(bundled).toHaveBeenCalledTimes(2);
    expect(await readFile(join(root, '.sluice', 'cache', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
  });

  it('works through a symlinked app folder, watching nothing above the app but config files', async () => {
    const link = `${root}-link`;
    const sibling = `${root}-sibling`;
    await symlink(root, link);
    try {
      await packageApp(link, [], cached);
      await writeFile(sibling, 'a new file next to the app, in its parent folder\n');
      bundled.mockClear();
      await packageApp(link, [], cached);
      expect(bundled).not.toHaveBeenCalled();
    } finally {
      await rm(link, { force: true });
      await rm(sibling, { force: true });
    }
  });

  it('packages only the selected services, and keeps one bundle file per function', async () => {
    await writeFiles({
      'sluice.app.yml': 'app: shop\nservices: [api, jobs]\n',
      'jobs/sluice.yml': 'service: jobs\nfunctions:\n  tick:\n    handler: tick.main\n',
      'jobs/tick.js': "export const main = async () => 'tick';\n",
    });
    const jobs = await packageApp(root, ['jobs'], cached);
    expect(Object.keys(jobs.functionCode)).toEqual(['jobs.tick']);
    await writeFiles({ 'jobs/tick.js': "export const main = async () => 'tock';\n" });
    await packageApp(root, [], cached);
    expect(await readdir(join(root, '.sluice', 'cache', 'bundles'))).toHaveLength(3);
  });
});
