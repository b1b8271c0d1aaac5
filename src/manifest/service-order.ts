// The order services deploy in, from the `${output:…}` references between services of the same app:
// layers whose services are independent of each other (and may deploy in parallel), producers first.
import { SluiceError } from '../errors/index.js';
import type { LoadedApp } from './types.js';
import { allVariableNodes, parseTemplate, type TemplatePart } from './variables/variable-syntax.js';
import { forEachVariableString } from './variables/variable-strings.js';

/** Placeholder for a nested variable while reading an address statically. */
const UNKNOWN = '\u0000';

/**
 * For each service, the services of the same app whose outputs it reads. Static and conservative: any stage
 * or region counts; a reference whose app or service part is itself a variable is ignored, and so is a
 * service reading its own outputs.
 */
export function serviceDependencies(loaded: LoadedApp): Record<string, string[]> {
  const names = new Set(loaded.services.map((service) => service.name));
  const dependencies: Record<string, string[]> = {};
  for (const service of loaded.services) {
    const found = new Set<string>();
    forEachVariableString(service.file.data, (_path, text) => {
      for (const node of allVariableNodes(parseTemplate(text).parts)) {
        for (const candidate of node.candidates) {
          if (candidate.kind !== 'reference' || candidate.source !== 'output') continue;
          const target = referencedService(candidate.address, loaded.app.app);
          if (target !== undefined && target !== service.name && names.has(target)) found.add(target);
        }
      }
    });
    dependencies[service.name] = [...found].sort();
  }
  return dependencies;
}

/** The service an output address names when it is statically known and of this app. */
function referencedService(address: TemplatePart[], appName: string): string | undefined {
  const written = address.map((part) => (typeof part === 'string' ? part : UNKNOWN)).join('');
  const parts = written.split(':');
  if (parts.length !== 1 && parts.length !== 4) return undefined;
  const app = parts.length === 4 ? parts[0].trim() : '';
  if (app !== '' && app !== appName) return undefined;
  const service = parts[parts.length - 1].trim().split('.')[0];
  return service === '' || service.includes(UNKNOWN) ? undefined : service;
}

/**
 * Services in deploy order, as layers: every service comes after the services it reads outputs from.
 * `only` limits the result to those services (all when absent or empty); a dependency outside `only` is not
 * pulled in, since its stored outputs are read instead. Within a layer, services keep their `services:` order.
 */
export function orderServices(loaded: LoadedApp, only?: string[]): string[][] {
  const all = loaded.services.map((service) => service.name);
  const unknown = (only ?? []).filter((name) => !all.includes(name));
  if (unknown.length > 0) {
    throw new SluiceError('NOT_FOUND', `No service named ${unknown.map((name) => `"${name}"`).join(', ')} in app "${loaded.app.app}".`, {
      hint: `Services of this app: ${all.join(', ') || 'none'}.`,
    });
  }
  const selected = only === undefined || only.length === 0 ? all : all.filter((name) => only.includes(name));
  const dependencies = serviceDependencies(loaded);
  const placed = new Set<string>();
  const layers: string[][] = [];
  let remaining = selected;
  while (remaining.length > 0) {
    const ready = remaining.filter((name) => dependencies[name].every((dependency) => placed.has(dependency) || !selected.includes(dependency)));
    if (ready.length === 0) {
      const cycle = findCycle(remaining, dependencies);
      throw new SluiceError('SERVICE_CYCLE', `Services depend on each other in a cycle: ${cycle.join(' → ')}`);
    }
    layers.push(ready);
    ready.forEach((name) => placed.add(name));
    remaining = remaining.filter((name) => !placed.has(name));
  }
  return layers;
}

/** Follows dependencies among `remaining` (where every service waits on another) until one repeats. */
function findCycle(remaining: string[], dependencies: Record<string, string[]>): string[] {
  const path: string[] = [];
  let current = remaining[0];
  while (!path.includes(current)) {
    path.push(current);
    current = dependencies[current].find((dependency) => remaining.includes(dependency)) ?? current;
  }
  return [...path.slice(path.indexOf(current)), current];
}
