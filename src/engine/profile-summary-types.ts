// A profile as the API's `GET /api/profiles` returns it (profile-summary.ts gathers it): types only, importable
// by the web dashboard without the manifest loader.

import type { StageApproval } from '../store/record-types.js';

export interface ProfileSummary {
  name: string;
  /** Stored params (`sluice params set`): what the API's PUT and DELETE change. */
  params: Record<string, string>;
  /** `profiles.<name>.params` in each app's latest release (stored params win over them at deploy). */
  manifestParams: Array<{ app: string; params: Record<string, string> }>;
  /** Names only, never values. */
  secrets: Array<{ name: string; updatedAt: number }>;
  /** Deployed stages on the profile. */
  stages: Array<{ app: string; stage: string }>;
  /** `stages:` entries of the latest releases' manifests that map to it (`*`: every other stage). */
  mappedBy: Array<{ app: string; stage: string }>;
  /** Required when a stage on it or a latest manifest says so. */
  approval: StageApproval;
}
