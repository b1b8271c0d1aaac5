// Writes function bundles from the store to `<cacheDir>/<codeHash>.mjs`, where worker threads import them.
// Bundles are content-addressed, so a file that exists is the right one; files are written to a temporary
// name and renamed so a worker never imports half a file.
// A bundle the store does not have (ArtifactMissingError) is a fact about the deployment; any other failure
// is the store being unreachable, which a reload treats as "try again later", not as a broken version.

import { randomUUID } from 'node:crypto';
import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RuntimeStore } from './runtime-store.js';

export class ArtifactMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArtifactMissingError';
  }
}

export class ArtifactCache {
  private readonly files = new Map<string, Promise<string>>();

  constructor(
    private readonly store: RuntimeStore,
    private readonly cacheDir: string,
  ) {}

  /** file: URL of the bundle; rejects with ArtifactMissingError when the store has no such artifact. */
  moduleUrl(codeHash: string): Promise<string> {
    let pending = this.files.get(codeHash);
    if (pending === undefined) {
      pending = this.write(codeHash);
      this.files.set(codeHash, pending);
      pending.catch(() => this.files.delete(codeHash));
    }
    return pending;
  }

  private async write(codeHash: string): Promise<string> {
    if (!/^[a-zA-Z0-9_-]{1,128}$/.test(codeHash)) throw new ArtifactMissingError(`Invalid artifact hash "${codeHash}".`);
    const file = join(this.cacheDir, `${codeHash}.mjs`);
    const url = pathToFileURL(file).href;
    try {
      await access(file);
      return url;
    } catch {
      // not cached yet
    }
    const content = await this.store.getArtifact(codeHash);
    if (content === undefined) throw new ArtifactMissingError(`The bundle ${codeHash} is missing from the store; deploy the service again.`);
    await mkdir(this.cacheDir, { recursive: true });
    const temporary = `${file}.${randomUUID()}.tmp`;
    await writeFile(temporary, content);
    await rename(temporary, file);
    return url;
  }
}
