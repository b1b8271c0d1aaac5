// What a stage looks like now, as the API returns it (stage-info.ts reads it): types only, importable by the
// web dashboard without the store's implementation.

export interface StageInfo {
  app: string;
  stage: string;
  profile: string;
  kind: string;
  lastDeployAt: number | null;
  services: ServiceInfo[];
}

export interface ServiceInfo {
  service: string;
  url: string;
  deployedAt: number;
  functions: Array<{
    name: string;
    endpoints: string[];
    schedules: string[];
    live: Array<{ versionId: string; version: number; weight: number }>;
    timeout: number;
    memory: number;
    concurrency: number;
  }>;
  outputs: Record<string, string>;
}
