// Resolves every `${…}` in one service document for one stage. Properties are resolved one at a time and
// memoized by path, so `${self:…}` chains reuse work and a property met again while still open is a cycle.
// Every unresolved variable is collected with its position; secrets are tracked to the paths they reach.
import type { Problem } from '../../errors/index.js';
import type { AppManifest, ManifestFile, ResolutionContext } from '../types.js';
import { describeFound, formatPropertyPath, problemAt, type PropertyPath } from '../yaml-source.js';
import { VARIABLE_SOURCE_REGISTRY } from './source-registry.js';
import type { ResolutionScope, SourceLookup } from './variable-source.js';
import { containsVariable, parseTemplate, type VariableCandidate, type VariableNode } from './variable-syntax.js';
import { problemInString } from './variable-position.js';
import { childOf, isPlainObject, isScalarValue, prefixTaint, taintInside } from './resolved-value.js';

export interface VariableCycle {
  /** Property paths around the loop, first and last equal: `['a', 'b', 'a']`. */
  chain: string[];
  problem: Problem;
}

export interface DocumentResolution {
  /** The document with every variable replaced; undefined when something did not resolve. */
  value: unknown;
  /** Paths of the document whose value contains a secret. */
  sensitivePaths: PropertyPath[];
  problems: Problem[];
  cycles: VariableCycle[];
}

type Outcome = { ok: true; value: unknown; taint: PropertyPath[] } | { ok: false };
interface Failure {
  offset: number;
  message: string;
}
type Evaluation = { ok: true; value: unknown; taint: PropertyPath[] } | { ok: false; failures: Failure[] };

/** Thrown from the property that closes a loop back to the property that opened it. */
class CycleSignal extends Error {
  problem: Problem | undefined;
  constructor(
    readonly startKey: string,
    readonly chain: string[],
  ) {
    super(`variable cycle: ${chain.join(' → ')}`);
  }
}

export async function resolveDocument(app: AppManifest, file: ManifestFile, ctx: ResolutionContext): Promise<DocumentResolution> {
  return new DocumentResolver(app, file, ctx).run();
}

class DocumentResolver {
  private readonly settled = new Map<string, Outcome>();
  private readonly open: Array<{ key: string; path: PropertyPath }> = [];
  private readonly lookups = new Map<string, Promise<unknown>>();
  private readonly problems: Problem[] = [];
  private readonly cycles: VariableCycle[] = [];
  private readonly scope: ResolutionScope;

  constructor(
    app: AppManifest,
    private readonly file: ManifestFile,
    private readonly ctx: ResolutionContext,
  ) {
    this.scope = {
      app,
      ctx,
      resolveSelf: (segments) => this.resolveSelf(segments),
      lookupOnce: (key, lookup) => this.lookupOnce(key, lookup),
    };
  }

  async run(): Promise<DocumentResolution> {
    const outcome = await this.resolveAt([], this.file.data);
    return {
      value: outcome.ok ? outcome.value : undefined,
      sensitivePaths: outcome.ok ? outcome.taint : [],
      problems: this.problems,
      cycles: this.cycles,
    };
  }

  private async resolveAt(path: PropertyPath, raw: unknown): Promise<Outcome> {
    const key = JSON.stringify(path.map(String));
    const settled = this.settled.get(key);
    if (settled !== undefined) return settled;
    const openIndex = this.open.findIndex((entry) => entry.key === key);
    if (openIndex >= 0) {
      const chain = [...this.open.slice(openIndex).map((entry) => entry.path), path].map((p) => formatPropertyPath(p) || '(document)');
      throw new CycleSignal(key, chain);
    }
    this.open.push({ key, path });
    let outcome: Outcome;
    try {
      outcome = await this.resolveRaw(path, raw);
    } catch (error) {
      if (!(error instanceof CycleSignal)) throw error;
      this.settled.set(key, { ok: false });
      if (error.startKey !== key) throw error;
      this.cycles.push({ chain: error.chain, problem: error.problem ?? this.problemAtStart(path, error.chain) });
      outcome = { ok: false };
    } finally {
      this.open.pop();
    }
    this.settled.set(key, outcome);
    return outcome;
  }

  private async resolveRaw(path: PropertyPath, raw: unknown): Promise<Outcome> {
    if (Array.isArray(raw) || isPlainObject(raw)) {
      const entries: Array<[string | number, unknown]> = Array.isArray(raw) ? raw.map((item, index) => [index, item]) : Object.entries(raw);
      const value: Record<string | number, unknown> = Array.isArray(raw) ? ([] as unknown as Record<number, unknown>) : {};
      const taint: PropertyPath[] = [];
      let ok = true;
      for (const [key, child] of entries) {
        const outcome = await this.resolveAt([...path, key], child);
        if (!outcome.ok) ok = false;
        else {
          value[key] = outcome.value;
          taint.push(...prefixTaint(key, outcome.taint));
        }
      }
      return ok ? { ok, value, taint } : { ok: false };
    }
    if (containsVariable(raw)) return this.resolveString(path, raw);
    return { ok: true, value: raw, taint: [] };
  }

  private async resolveString(path: PropertyPath, text: string): Promise<Outcome> {
    const { parts, problems } = parseTemplate(text);
    if (problems.length > 0) return this.fail(path, text, problems);
    const [first] = parts;
    if (parts.length === 1 && typeof first !== 'string') {
      const evaluation = await this.evaluateNode(first, path, text);
      return evaluation.ok ? evaluation : this.fail(path, text, evaluation.failures);
    }
    let value = '';
    let tainted = false;
    const failures: Failure[] = [];
    for (const part of parts) {
      if (typeof part === 'string') {
        value += part;
        continue;
      }
      const evaluation = await this.evaluateNode(part, path, text);
      if (!evaluation.ok) failures.push(...evaluation.failures);
      else if (!isScalarValue(evaluation.value)) failures.push(this.notText(part, evaluation.value, 'cannot be part of a longer text; write the variable alone as the whole value'));
      else {
        value += String(evaluation.value);
        tainted ||= evaluation.taint.length > 0;
      }
    }
    if (failures.length > 0) return this.fail(path, text, failures);
    return { ok: true, value, taint: tainted ? [[]] : [] };
  }

  private async evaluateNode(node: VariableNode, path: PropertyPath, text: string): Promise<Evaluation> {
    try {
      const failures: Failure[] = [];
      for (const candidate of node.candidates) {
        const evaluation = await this.evaluateCandidate(candidate, node, path, text);
        if (evaluation.ok) return evaluation;
        failures.push(...evaluation.failures);
      }
      return { ok: false, failures: mergeFailuresAt(node, failures) };
    } catch (error) {
      if (error instanceof CycleSignal && error.problem === undefined) {
        const message = `${node.text} refers back to itself: ${error.chain.join(' → ')}`;
        error.problem = problemInString(this.file, path, text, node.start, message);
      }
      throw error;
    }
  }

  private async evaluateCandidate(candidate: VariableCandidate, node: VariableNode, path: PropertyPath, text: string): Promise<Evaluation> {
    if (candidate.kind === 'literal') return { ok: true, value: candidate.value, taint: [] };
    if (candidate.kind === 'variable') return this.evaluateNode(candidate.node, path, text);
    const address = await this.interpolateAddress(candidate.address, path, text);
    if (!address.ok) return address;
    const source = Object.hasOwn(VARIABLE_SOURCE_REGISTRY, candidate.source)
      ? VARIABLE_SOURCE_REGISTRY[candidate.source as keyof typeof VARIABLE_SOURCE_REGISTRY]
      : undefined;
    const lookup: SourceLookup = source
      ? await source.resolve(address.text, this.scope)
      : { found: false, reason: `unknown variable source "${candidate.source}"` };
    if (lookup.found) return { ok: true, value: lookup.value, taint: lookup.taint };
    if ('silent' in lookup) return { ok: false, failures: [] };
    return { ok: false, failures: [{ offset: node.start, message: lookup.reason }] };
  }

  private async interpolateAddress(parts: Array<string | VariableNode>, path: PropertyPath, text: string): Promise<{ ok: true; text: string } | { ok: false; failures: Failure[] }> {
    let address = '';
    const failures: Failure[] = [];
    for (const part of parts) {
      if (typeof part === 'string') {
        address += part;
        continue;
      }
      const evaluation = await this.evaluateNode(part, path, text);
      if (!evaluation.ok) failures.push(...evaluation.failures);
      else if (!isScalarValue(evaluation.value)) failures.push(this.notText(part, evaluation.value, 'cannot be part of an address'));
      else address += String(evaluation.value);
    }
    return failures.length > 0 ? { ok: false, failures } : { ok: true, text: address };
  }

  private async resolveSelf(segments: string[]): Promise<SourceLookup> {
    let path: PropertyPath = [];
    let raw: unknown = this.file.data;
    for (let index = 0; index < segments.length; index++) {
      if (containsVariable(raw)) {
        const outcome = await this.resolveAt(path, raw);
        if (!outcome.ok) return { found: false, silent: true };
        return this.readInside(outcome.value, outcome.taint, segments.slice(index), segments);
      }
      const step = childOf(raw, segments[index]);
      if (step === undefined) return this.readSelfExtras(segments);
      path = [...path, step.key];
      raw = step.value;
    }
    const outcome = await this.resolveAt(path, raw);
    if (!outcome.ok) return { found: false, silent: true };
    if (outcome.value === null || outcome.value === undefined) return this.readSelfExtras(segments);
    return { found: true, value: outcome.value, taint: outcome.taint };
  }

  private readInside(value: unknown, taint: PropertyPath[], rest: string[], segments: string[]): SourceLookup {
    let current = value;
    const keys: Array<string | number> = [];
    for (const segment of rest) {
      const step = childOf(current, segment);
      if (step === undefined) return this.readSelfExtras(segments);
      keys.push(step.key);
      current = step.value;
    }
    if (current === null || current === undefined) return this.readSelfExtras(segments);
    return { found: true, value: current, taint: taintInside(taint, keys) };
  }

  private readSelfExtras(segments: string[]): SourceLookup {
    let current: unknown = this.ctx.selfExtras;
    for (const segment of segments) current = childOf(current, segment)?.value;
    if (current !== undefined && current !== null) return { found: true, value: current, taint: [] };
    const extras = Object.keys(this.ctx.selfExtras);
    const extrasNote = extras.length > 0 ? ` nor among the deploy-time values (${extras.join(', ')})` : '';
    return { found: false, reason: `there is no property "${segments.join('.')}" in ${this.file.displayPath}${extrasNote}` };
  }

  private lookupOnce<T>(key: string, lookup: () => Promise<T>): Promise<T> {
    if (!this.lookups.has(key)) this.lookups.set(key, lookup());
    return this.lookups.get(key) as Promise<T>;
  }

  private notText(node: VariableNode, value: unknown, what: string): Failure {
    return { offset: node.start, message: `${node.text} resolved to ${describeFound(value)}, which ${what}` };
  }

  private fail(path: PropertyPath, text: string, failures: Failure[]): Outcome {
    for (const failure of failures) this.problems.push(problemInString(this.file, path, text, failure.offset, failure.message));
    return { ok: false };
  }

  private problemAtStart(path: PropertyPath, chain: string[]): Problem {
    return problemAt(this.file, path, `variables refer to each other in a cycle: ${chain.join(' → ')}`);
  }
}

/** Failures of the node's own candidates become one message at the node; nested ones keep their place. */
function mergeFailuresAt(node: VariableNode, failures: Failure[]): Failure[] {
  const own = failures.filter((failure) => failure.offset === node.start);
  const nested = failures.filter((failure) => failure.offset !== node.start);
  if (own.length === 0) return nested;
  const reasons = own.map((failure) => failure.message).join('; ');
  return [{ offset: node.start, message: `${node.text} is unresolved: ${reasons}` }, ...nested];
}
