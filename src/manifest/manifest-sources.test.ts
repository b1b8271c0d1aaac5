import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSluiceError } from '../errors/index.js';
import { readManifestSources } from './manifest-sources.js';
import { parseApp } from './parse-app.js';

let base: string;
let root: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'sluice-manifest-'));
  root = join(base, 'app');
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function write(path: string, text: string): Promise<void> {
  await mkdir(join(root, path, '..'), { recursive: true });
  await writeFile(join(root, path), text);
}

describe('readManifestSources', () => {
  it('reads sluice.app.yml and the sluice.yml of each listed folder, nothing else', async () => {
    await write('sluice.app.yml', 'app: shop\nservices: [api, jobs/worker/]\n');
    await write('api/sluice.yml', 'service: api\n');
    await write('jobs/worker/sluice.yml', 'service: worker\n');
    await write('unlisted/sluice.yml', 'service: unlisted\n');
    const sources = await readManifestSources(root);
    expect(sources).toEqual({
      root,
      files: { 'sluice.app.yml': 'app: shop\nservices: [api, jobs/worker/]\n', 'api/sluice.yml': 'service: api\n', 'jobs/worker/sluice.yml': 'service: worker\n' },
    });
    expect(parseApp(sources).services.map((service) => service.name)).toEqual(['api', 'worker']);
  });

  it('leaves out a missing service file and folders outside the root, for parseApp to report', async () => {
    await write('sluice.app.yml', 'app: shop\nservices: [api, ../elsewhere]\n');
    await write('../elsewhere/sluice.yml', 'service: elsewhere\n');
    const sources = await readManifestSources(root);
    expect(Object.keys(sources.files)).toEqual(['sluice.app.yml']);
    try {
      parseApp(sources);
      expect.unreachable();
    } catch (error) {
      expect(isSluiceError(error) && error.problems.map((p) => p.path)).toEqual(['services[0]', 'services[1]']);
    }
  });

  it('throws MANIFEST_NOT_FOUND with a hint when there is no sluice.app.yml', async () => {
    await expect(readManifestSources(join(base, 'nowhere'))).rejects.toMatchObject({
      code: 'MANIFEST_NOT_FOUND',
      message: `No sluice.app.yml in ${join(base, 'nowhere')}.`,
      hint: "Run the command in the app's root folder (the one holding sluice.app.yml), or pass --app DIR.",
    });
  });
});
