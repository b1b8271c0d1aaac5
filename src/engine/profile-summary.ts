// Every profile Sluice knows of, for the dashboard's settings: from deployed stages, stored params and
// secrets, and the sluice.app.yml of each app's latest release. Secrets are named, never valued: their
// ciphertexts are dropped as soon as they are read.

import { parseApp } from '../manifest/index.js';
import type { Store } from '../store/index.js';
import type { ProfileSummary } from './profile-summary-types.js';

export async function listProfiles(store: Store): Promise<ProfileSummary[]> {
  const [stages, params, secrets] = await Promise.all([store.listStages(), store.listAllParams(), store.listSecrets()]);
  const profiles = new Map<string, ProfileSummary>();
  const profile = (name: string) => {
    let entry = profiles.get(name);
    if (!entry) profiles.set(name, (entry = { name, params: {}, manifestParams: [], secrets: [], stages: [], mappedBy: [], approval: 'none' }));
    return entry;
  };
  for (const stage of stages) {
    const entry = profile(stage.profile);
    entry.stages.push({ app: stage.app, stage: stage.name });
    if (stage.approval === 'required') entry.approval = 'required';
  }
  for (const param of params) profile(param.profile).params[param.name] = param.value;
  for (const secret of secrets) profile(secret.profile).secrets.push({ name: secret.name, updatedAt: secret.updatedAt });

  const apps = [...new Set(stages.map((stage) => stage.app))].sort();
  const releases = await Promise.all(apps.map(async (app) => (await store.listReleases({ app, limit: 1 }))[0]));
  for (const release of releases) {
    if (!release) continue;
    const manifest = readManifest(release.sources, release.id);
    if (!manifest) continue;
    for (const [name, spec] of Object.entries(manifest.profiles)) {
      const entry = profile(name);
      if (Object.keys(spec.params).length > 0) entry.manifestParams.push({ app: release.app, params: { ...spec.params } });
      if (spec.approval === 'required') entry.approval = 'required';
    }
    for (const [stage, spec] of Object.entries(manifest.stages)) profile(spec.profile).mappedBy.push({ app: release.app, stage });
  }
  return [...profiles.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** A release's manifest was valid when deployed; one that no longer parses (a newer Sluice) adds nothing. */
function readManifest(sources: Record<string, string>, releaseId: string) {
  try {
    return parseApp({ root: `release ${releaseId}`, files: sources }).app;
  } catch {
    return undefined;
  }
}
