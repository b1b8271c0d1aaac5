// Resolves one service of a loaded app for one stage: replaces its variables, validates the values they
// produced, and normalizes the result into a ResolvedService with its sensitive paths.
import { SluiceError } from '../errors/index.js';
import { validateAgainstSchema } from './schema-problems.js';
import { sensitiveServicePaths } from './sensitive-paths.js';
import { toResolvedService, type ResolvedServiceDocument } from './service-normalize.js';
import { serviceSchema } from './service-schema.js';
import type { LoadedApp, LoadedService, ResolutionContext, ResolvedService } from './types.js';
import { resolveDocument } from './variables/variable-engine.js';

/**
 * Throws VARIABLE_CYCLE or VARIABLE_UNRESOLVED (every unresolved variable at once) when variables fail,
 * and MANIFEST_INVALID when a resolved value does not fit, such as a timeout that resolved to "abc".
 */
export async function resolveService(loaded: LoadedApp, serviceName: string, ctx: ResolutionContext): Promise<ResolvedService> {
  const service = findService(loaded, serviceName);
  const { file } = service;
  const resolution = await resolveDocument(loaded.app, file, ctx);
  if (resolution.cycles.length > 0) {
    throw new SluiceError('VARIABLE_CYCLE', `Variables refer to each other in a cycle: ${resolution.cycles[0].chain.join(' → ')}`, {
      problems: [...resolution.cycles.map((cycle) => cycle.problem), ...resolution.problems],
    });
  }
  const unresolved = resolution.problems.length;
  if (unresolved > 0) {
    const message = `${unresolved} unresolved variable${unresolved === 1 ? '' : 's'} in ${file.displayPath} for stage ${ctx.stage}`;
    throw new SluiceError('VARIABLE_UNRESOLVED', message, { problems: resolution.problems });
  }
  const validation = validateAgainstSchema(serviceSchema('resolved'), file, resolution.value, file.data);
  if (!validation.ok) {
    const count = validation.problems.length;
    throw new SluiceError('MANIFEST_INVALID', `${count} problem${count === 1 ? '' : 's'} in ${file.displayPath} once variables are resolved`, {
      problems: validation.problems,
    });
  }
  const document = validation.value as ResolvedServiceDocument;
  const resolved = toResolvedService(document, { app: loaded.app.app, stage: ctx.stage, dir: service.dir });
  return { ...resolved, sensitivePaths: sensitiveServicePaths(resolution.sensitivePaths, document) };
}

function findService(loaded: LoadedApp, serviceName: string): LoadedService {
  const service = loaded.services.find((candidate) => candidate.name === serviceName);
  if (service !== undefined) return service;
  const names = loaded.services.map((candidate) => candidate.name).join(', ') || 'none';
  throw new SluiceError('NOT_FOUND', `No service named "${serviceName}" in app "${loaded.app.app}".`, { hint: `Services of this app: ${names}.` });
}
