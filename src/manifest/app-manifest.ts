// Turns a validated sluice.app.yml into the AppManifest the rest of Sluice reads, and checks what spans
// its sections (a stage's profile must be one of the profiles written).
import { join } from 'node:path';
import type { Problem } from '../errors/index.js';
import type { AppDocument } from './app-schema.js';
import { didYouMean } from './did-you-mean.js';
import { normalizePipeline } from './pipeline-schema.js';
import { profileForStage } from './profile-for-stage.js';
import type { AppManifest, ManifestFile, ProfileSpec, StageSpec } from './types.js';
import { problemAt } from './yaml-source.js';

export const APP_MANIFEST_FILE = 'sluice.app.yml';
export const SERVICE_MANIFEST_FILE = 'sluice.yml';

/** `backend-restapi/` → `backend-restapi`. */
export function normalizeFolder(folder: string): string {
  return folder.replace(/\/+$/, '');
}

export function toAppManifest(document: AppDocument, root: string): AppManifest {
  const profiles: Record<string, ProfileSpec> = {};
  for (const [name, profile] of Object.entries(document.profiles ?? {})) {
    const spec: ProfileSpec = { params: stringValues(profile?.params) };
    const approval = profile?.approval;
    if (typeof approval === 'string') spec.approval = approval;
    else if (approval !== undefined) {
      spec.approval = approval.required ? 'required' : 'none';
      if (approval.preventSelfReview !== undefined) spec.preventSelfReview = approval.preventSelfReview;
    }
    profiles[name] = spec;
  }
  const stages: Record<string, StageSpec> = {};
  for (const [name, stage] of Object.entries(document.stages ?? {})) {
    stages[name] = stage.strategy === undefined ? { profile: stage.profile } : { profile: stage.profile, strategy: stage.strategy };
  }
  const manifest: AppManifest = {
    app: document.app,
    file: join(root, APP_MANIFEST_FILE),
    services: (document.services ?? []).map(normalizeFolder),
    params: stringValues(document.params),
    profiles,
    stages,
    notifications: (document.notifications ?? []).map((n) => ({ url: n.url, severity: n.severity ?? 'info', secret: n.secret ?? 'NOTIFY_SIGNING_SECRET' })),
  };
  if (document.pipeline !== undefined) {
    manifest.pipeline = normalizePipeline(document.pipeline, (stage) => profiles[profileForStage(manifest, stage)]?.approval === 'required');
  }
  return manifest;
}

/** A stage naming a profile that `profiles:` does not define is most likely a typo. */
export function stageProfileProblems(document: AppDocument, file: ManifestFile): Problem[] {
  const profiles = Object.keys(document.profiles ?? {});
  if (profiles.length === 0) return [];
  return Object.entries(document.stages ?? {})
    .filter(([, stage]) => !profiles.includes(stage.profile))
    .map(([name, stage]) =>
      problemAt(file, ['stages', name, 'profile'], `profile "${stage.profile}" is not defined in profiles${didYouMean(stage.profile, profiles)}; expected one of ${profiles.join(', ')}`),
    );
}

function stringValues(values: Record<string, string | number | boolean> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).map(([key, value]) => [key, String(value)]));
}
