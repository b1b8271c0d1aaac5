// The shape every variable source plugs into (after Serverless Framework v3's `resolve({ address })`
// sources): given the address of `${source:address}`, find the value or say where it looked.
import type { AppManifest, ResolutionContext } from '../types.js';
import type { PropertyPath } from '../yaml-source.js';

export type SourceLookup =
  /** `taint` lists paths inside `value` that hold a secret; `[]` (the empty path) means the whole value. */
  | { found: true; value: unknown; taint: PropertyPath[] }
  /** `reason` says what was looked for and where. */
  | { found: false; reason: string }
  /** The value depends on another property whose own problem is already reported. */
  | { found: false; silent: true };

/** What a source may use: the app, the context of the stage, and the engine for `${self:…}`. */
export interface ResolutionScope {
  app: AppManifest;
  ctx: ResolutionContext;
  /** Resolves a property of the service's own document (recursively), or of `ctx.selfExtras`. */
  resolveSelf(segments: string[]): Promise<SourceLookup>;
  /** Runs `lookup` once per key during one resolution (the same secret or output is fetched once). */
  lookupOnce<T>(key: string, lookup: () => Promise<T>): Promise<T>;
}

export interface VariableSource {
  resolve(address: string, scope: ResolutionScope): Promise<SourceLookup>;
}

