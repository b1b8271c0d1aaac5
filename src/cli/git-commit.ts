// The commit a deploy is made from, for the audit timeline: HEAD of the git work tree holding the app, with
// `+dirty` when the app's folder has uncommitted changes (the code deployed is then not exactly that commit).
// No git, or no repository, is not an error: the deploy just carries no commit.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function currentCommit(dir: string): Promise<string | undefined> {
  try {
    const head = (await run('git', ['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
    if (!/^[0-9a-f]{40,64}$/.test(head)) return undefined;
    const changes = (await run('git', ['status', '--porcelain', '--', '.'], { cwd: dir })).stdout;
    return changes.trim() ? `${head}+dirty` : head;
  } catch {
    return undefined;
  }
}
