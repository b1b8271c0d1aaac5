// Carries secret taint from where a secret landed in sluice.yml to where it ends up in ResolvedService
// (a service-level environment variable reaches every function that does not override it).
import type { ResolvedServiceDocument } from './service-normalize.js';
import { formatPropertyPath, type PropertyPath } from './yaml-source.js';

/** Paths of the resolved service (like `functions.submit.environment.API_KEY`) whose value contains a secret. */
export function sensitiveServicePaths(taintedDocumentPaths: PropertyPath[], document: ResolvedServiceDocument): string[] {
  const paths = new Set<string>();
  for (const tainted of taintedDocumentPaths) for (const path of servicePathsFor(tainted.map(String), document)) paths.add(path);
  return [...paths].sort();
}

function servicePathsFor(path: string[], document: ResolvedServiceDocument): string[] {
  const [section, ...rest] = path;
  switch (section) {
    case 'environment': {
      const keys = rest.length === 0 ? Object.keys(document.environment ?? {}) : [rest[0]];
      return Object.entries(document.functions ?? {}).flatMap(([name, fn]) =>
        keys
          .filter((key) => !Object.hasOwn(fn.environment ?? {}, key))
          .map((key) => formatPropertyPath(['functions', name, 'environment', key, ...rest.slice(1)])),
      );
    }
    case 'resources':
      return rest[0] === 'tables' ? [formatPropertyPath(['tables', ...rest.slice(1)])] : [];
    case 'custom':
      return [];
    default:
      return [formatPropertyPath(path)];
  }
}
