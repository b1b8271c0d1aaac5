// Planning, pure: what a deploy of one service must change, given what is live and what the manifest now
// resolves to. Versions are compared by content address, so an unchanged function is never republished.

import type { TableSpec } from '../manifest/index.js';
import type { AliasRecord } from '../store/index.js';

export interface CurrentServiceState {
  /** `live` aliases of the service's functions in the stage. */
  live: AliasRecord[];
  outputs: Record<string, string>;
  tableNames: string[];
  /** URL the service instance was deployed with, null when the service is new to the stage. */
  url: string | null;
}

export interface DesiredServiceState {
  functions: Array<{ name: string; versionId: string }>;
  outputs: Record<string, string>;
  tables: TableSpec[];
  url: string;
}

export interface ServicePlan {
  changed: boolean;
  /** Functions whose `live` must move to a new version; `from` is the version serving now, if any. */
  publish: Array<{ function: string; from: string | null; to: string }>;
  unchanged: string[];
  removeFunctions: string[];
  outputsChanged: boolean;
  newTables: TableSpec[];
  newInstance: boolean;
}

export function planService(current: CurrentServiceState, desired: DesiredServiceState): ServicePlan {
  const liveByFunction = new Map(current.live.filter((a) => a.name === 'live').map((a) => [a.function, a]));
  const publish: ServicePlan['publish'] = [];
  const unchanged: string[] = [];
  for (const fn of desired.functions) {
    const live = liveByFunction.get(fn.name);
    const serving = live?.targets.filter((t) => t.weight > 0) ?? [];
    const settled = serving.length === 1 && serving[0]!.weight === 100 && serving[0]!.versionId === fn.versionId;
    if (settled) unchanged.push(fn.name);
    else publish.push({ function: fn.name, from: serving.sort((a, b) => b.weight - a.weight)[0]?.versionId ?? null, to: fn.versionId });
  }
  const wanted = new Set(desired.functions.map((f) => f.name));
  const removeFunctions = [...liveByFunction.keys()].filter((name) => !wanted.has(name)).sort();
  const outputsChanged = !sameRecord(current.outputs, desired.outputs);
  const known = new Set(current.tableNames);
  const newTables = desired.tables.filter((t) => !known.has(t.name));
  const newInstance = current.url !== desired.url;
  const changed = publish.length > 0 || removeFunctions.length > 0 || outputsChanged || newTables.length > 0 || newInstance;
  return { changed, publish, unchanged, removeFunctions, outputsChanged, newTables, newInstance };
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === String(b[k]));
}
