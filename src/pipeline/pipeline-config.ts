// The pipeline settings of an app, and where they are read from for an event: the manifests of the pushed
// commit (so a branch can change its own checks), or the base branch's for a fork's pull request (a fork
// never decides what gets previewed or deployed).

import { collectManifestSources, parseApp, type AppManifest, type LoadedApp } from '../manifest/index.js';
import { DEFAULT_PIPELINE_CONCURRENCY } from '../manifest/pipeline-schema.js';
import { runGit } from './git/index.js';
import type { PipelineConfig } from './types.js';

/** An app without a `pipeline:` section: checks none, no previews, no branch deployments. */
export const EMPTY_PIPELINE: PipelineConfig = { checks: [], previews: null, branches: {}, concurrency: DEFAULT_PIPELINE_CONCURRENCY };

export function pipelineConfigOf(app: AppManifest): PipelineConfig {
  return app.pipeline ?? EMPTY_PIPELINE;
}

/** Reads and validates the app's manifests at a commit (or ref) of the mirror, without checking it out. */
export async function loadAppAtCommit(mirror: string, commit: string, appDir: string): Promise<LoadedApp> {
  const base = appDir === '.' || appDir === '' ? '' : `${appDir.replace(/\/+$/, '')}/`;
  const sources = await collectManifestSources(`${commit.slice(0, 12)}:${base || '.'}`, async (path) => {
    try {
      return (await runGit(['--git-dir', mirror, 'show', `${commit}:${base}${path}`])).stdout;
    } catch {
      return undefined;
    }
  });
  return parseApp(sources);
}
