// Turns a resolved, validated service document into the ResolvedService the engine deploys: defaults
// applied, events parsed, environments merged, table names made physical.
import { toDeploymentSettings } from './deployment-settings.js';
import { toFunctionEvent } from './event-schemas.js';
import { DEFAULT_RUNTIME, FUNCTION_DEFAULTS, splitHandler } from './service-schema.js';
import type { DeploymentSpec, FunctionSpec, ResolvedService, TableSpec } from './types.js';

type Scalar = string | number | boolean;

/** A service document after resolution and validation (`serviceSchema('resolved')`). */
export interface ResolvedServiceDocument {
  service: string;
  runtime?: string;
  environment?: Record<string, Scalar>;
  functions?: Record<string, ResolvedFunctionDocument>;
  resources?: { tables?: Record<string, { key: string; name?: string }> };
  outputs?: Record<string, Scalar>;
  deployment?: DeploymentSpec;
}

interface ResolvedFunctionDocument {
  handler: string;
  timeout?: number;
  memory?: number;
  concurrency?: number;
  environment?: Record<string, Scalar>;
  events?: Array<{ http?: unknown; schedule?: unknown }>;
}

export interface ServicePlacement {
  app: string;
  stage: string;
  dir: string;
}

export function toResolvedService(document: ResolvedServiceDocument, placement: ServicePlacement): Omit<ResolvedService, 'sensitivePaths'> {
  const serviceEnvironment = textValues(document.environment);
  const functions: Record<string, FunctionSpec> = {};
  for (const [name, fn] of Object.entries(document.functions ?? {})) {
    const handler = splitHandler(fn.handler);
    if (handler === undefined) throw new Error(`unvalidated handler ${fn.handler}`);
    functions[name] = {
      name,
      handler: fn.handler,
      ...handler,
      timeout: fn.timeout ?? FUNCTION_DEFAULTS.timeout,
      memory: fn.memory ?? FUNCTION_DEFAULTS.memory,
      concurrency: fn.concurrency ?? FUNCTION_DEFAULTS.concurrency,
      environment: { ...serviceEnvironment, ...textValues(fn.environment) },
      events: (fn.events ?? []).map(toFunctionEvent),
    };
  }
  const tables: Record<string, TableSpec> = {};
  for (const [logical, table] of Object.entries(document.resources?.tables ?? {})) {
    const name = table.name ?? `${placement.app}-${placement.stage}-${document.service}-${logical}`;
    tables[logical] = { logical, name, key: table.key };
  }
  return {
    service: document.service,
    dir: placement.dir,
    runtime: document.runtime ?? DEFAULT_RUNTIME,
    functions,
    tables,
    outputs: textValues(document.outputs),
    deployment: document.deployment ?? {},
    ...toDeploymentSettings(document.deployment),
  };
}

function textValues(values: Record<string, Scalar> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).map(([key, value]) => [key, String(value)]));
}
