// Turns a resolved function into the configuration a version freezes, and computes its content address:
// sha256 over the code hash and the resolved config. Secret values enter the hash as keyed digests, so a
// changed secret makes a new version without the hash revealing anything about it.

import { createHash } from 'node:crypto';
import type { FunctionSpec, ResolvedService } from '../manifest/index.js';
import type { SecretBox } from '../secrets/index.js';
import type { FunctionConfig } from '../store/index.js';

export interface FrozenFunction {
  /** Config as stored: secret values encrypted. */
  config: FunctionConfig;
  /** Content address of the version. */
  versionId: string;
}

export function freezeFunction(
  service: ResolvedService,
  fn: FunctionSpec,
  codeHash: string,
  secrets: SecretBox,
): FrozenFunction {
  const sensitive = new Set(service.sensitivePaths);
  const environment: Record<string, string> = {};
  const secretPlain: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.environment)) {
    const isSecret = sensitive.has(`functions.${fn.name}.environment.${name}`) || sensitive.has(`environment.${name}`);
    if (isSecret) secretPlain[name] = String(value);
    else environment[name] = String(value);
  }
  const base = {
    runtime: service.runtime,
    handler: fn.handler,
    handlerExport: fn.handlerExport,
    timeout: fn.timeout,
    memory: fn.memory,
    concurrency: fn.concurrency,
    environment: sortKeys(environment),
    events: fn.events,
  };
  const secretDigests = sortKeys(
    Object.fromEntries(Object.entries(secretPlain).map(([k, v]) => [k, secrets.digest(v)])),
  );
  const versionId = createHash('sha256').update(canonicalJson({ codeHash, ...base, secretEnvironment: secretDigests })).digest('hex');
  const secretEnvironment = Object.fromEntries(Object.entries(secretPlain).map(([k, v]) => [k, secrets.encrypt(v)]));
  return { config: { ...base, secretEnvironment }, versionId };
}

/** JSON with object keys sorted at every level, so equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? sortKeys(v as Record<string, unknown>) : v));
}

function sortKeys<T extends Record<string, unknown>>(record: T): T {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}
