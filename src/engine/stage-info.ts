// What a stage looks like now: per service its URL, functions with endpoints and live versions, outputs.

import { SluiceError } from '../errors/index.js';
import type { Store } from '../store/index.js';
import { describeEndpoints } from './endpoints.js';
import type { ServiceInfo, StageInfo } from './stage-info-types.js';

export async function stageInfo(store: Store, app: string, stage: string): Promise<StageInfo> {
  const record = await store.getStage(app, stage);
  if (!record) throw new SluiceError('STAGE_NOT_FOUND', `Stage ${stage} of app ${app} is not deployed.`);
  const [instances, aliases, outputs] = await Promise.all([
    store.listServiceInstances(app, stage),
    store.listAliases(app, stage),
    store.listOutputs(app, stage),
  ]);
  const services: ServiceInfo[] = [];
  for (const instance of instances.sort((a, b) => a.service.localeCompare(b.service))) {
    const functions: ServiceInfo['functions'] = [];
    for (const alias of aliases.filter((a) => a.service === instance.service && a.name === 'live').sort((a, b) => a.function.localeCompare(b.function))) {
      const versions = await Promise.all(alias.targets.map((t) => store.getVersion(t.versionId)));
      const newest = versions.find((v) => v !== undefined);
      const { endpoints, schedules } = newest ? describeEndpoints(instance.url, newest.config.events) : { endpoints: [], schedules: [] };
      functions.push({
        name: alias.function,
        endpoints,
        schedules,
        live: alias.targets.map((t, i) => ({ versionId: t.versionId, version: versions[i]?.number ?? 0, weight: t.weight })),
        timeout: newest?.config.timeout ?? 0,
        memory: newest?.config.memory ?? 0,
        concurrency: newest?.config.concurrency ?? 0,
      });
    }
    services.push({
      service: instance.service,
      url: instance.url,
      deployedAt: instance.deployedAt,
      functions,
      outputs: Object.fromEntries(outputs.filter((o) => o.service === instance.service).map((o) => [o.key, o.value])),
    });
  }
  return { app, stage, profile: record.profile, kind: record.kind, lastDeployAt: record.lastDeployAt, services };
}

/** Finds `fn` or `service.fn` among a stage's live functions; ambiguous or unknown names are errors. */
export async function findFunction(store: Store, app: string, stage: string, name: string): Promise<{ service: string; function: string }> {
  const aliases = (await store.listAliases(app, stage)).filter((a) => a.name === 'live');
  const [first, second] = name.split('.', 2);
  const matches = aliases.filter((a) => (second === undefined ? a.function === first : a.service === first && a.function === second));
  if (matches.length === 1) return { service: matches[0]!.service, function: matches[0]!.function };
  const known = aliases.map((a) => `${a.service}.${a.function}`).join(', ') || 'none';
  if (matches.length > 1) {
    throw new SluiceError('INVALID_ARGUMENT', `Function ${name} exists in several services of stage ${stage}.`, { hint: `Write it as service.function: ${matches.map((m) => `${m.service}.${m.function}`).join(', ')}.` });
  }
  throw new SluiceError('FUNCTION_NOT_FOUND', `No function ${name} in stage ${stage} of app ${app}.`, { hint: `Functions of this stage: ${known}.` });
}
