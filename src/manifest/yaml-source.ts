// YAML parsing that keeps positions: every problem the manifest layer reports points at file:line:column,
// found by walking the parsed document along a property path.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { Problem } from '../errors/index.js';
import type { ManifestFile } from './types.js';

export type PropertyPath = ReadonlyArray<string | number>;

/** `functions.submit.events[0].http`: dots between keys, brackets around sequence indexes. */
export function formatPropertyPath(path: PropertyPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text;
}

/** Parses one manifest text; YAML syntax errors come back as problems (at most one per line). */
export function parseManifestFile(path: string, displayPath: string, text: string): { file: ManifestFile; problems: Problem[] } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const file: ManifestFile = { path, displayPath, text, document, lineCounter, data: document.toJS() };
  const problems: Problem[] = [];
  const reportedLines = new Set<number>();
  for (const error of document.errors) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    if (reportedLines.has(line)) continue;
    reportedLines.add(line);
    problems.push({ file: displayPath, line, column: col, path: '', message: yamlErrorMessage(error.code, error.message, lineText(text, line)) });
  }
  return { file, problems };
}

function yamlErrorMessage(code: string, message: string, line: string): string {
  const base = code === 'DUPLICATE_KEY' ? 'duplicate key: each key may appear once in a mapping' : `invalid YAML: ${message}`;
  const inFlowCollection = /[{[]/.test(line.replace(/\$\{/g, ''));
  return line.includes('${') && inFlowCollection
    ? `${base}; inside { } or [ ], quote values that contain \${…} (YAML reads their braces as structure)`
    : base;
}

function lineText(text: string, line: number): string {
  return text.split('\n')[line - 1] ?? '';
}

/**
 * The node at `path`, or the deepest node on the way when the path leaves the document (for instance inside a
 * value produced by a variable). `target: 'key'` returns the key node of the last segment.
 */
export function findNode(file: ManifestFile, path: PropertyPath, target: 'value' | 'key' = 'value'): { node: Node | undefined; exact: boolean } {
  let current: Node | undefined = (file.document.contents as Node | null) ?? undefined;
  for (let index = 0; index < path.length; index++) {
    const segment = path[index];
    const isLast = index === path.length - 1;
    if (isMap(current)) {
      const pair = current.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (pair === undefined) return { node: current, exact: false };
      const keyNode = pair.key as Node;
      if (isLast && target === 'key') return { node: keyNode, exact: true };
      const valueNode = pair.value as Node | null;
      if (valueNode === null || valueNode.range === undefined) return { node: keyNode, exact: isLast };
      current = valueNode;
    } else if (isSeq(current) && typeof segment === 'number' && current.items[segment] !== undefined) {
      current = current.items[segment] as Node;
    } else {
      return { node: current, exact: false };
    }
  }
  return { node: current, exact: true };
}

/** 1-based line and column of a character offset in the file's text. */
export function positionOfOffset(file: ManifestFile, offset: number): { line: number; column: number } {
  const { line, col } = file.lineCounter.linePos(offset);
  return { line, column: col };
}

/** Line and column of the property at `path` (or of the nearest node that exists). */
export function locateProperty(file: ManifestFile, path: PropertyPath, target: 'value' | 'key' = 'value'): { line: number; column: number } {
  const { node } = findNode(file, path, target);
  return node?.range ? positionOfOffset(file, node.range[0]) : { line: 1, column: 1 };
}

/** A problem located at the property `path` of `file`. */
export function problemAt(file: ManifestFile, path: PropertyPath, message: string, target: 'value' | 'key' = 'value'): Problem {
  return { file: file.displayPath, ...locateProperty(file, path, target), path: formatPropertyPath(path), message };
}

/** The plain value at `path` inside `data`, or undefined. */
export function valueAtPath(data: unknown, path: PropertyPath): unknown {
  let current: unknown = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/** A short rendering of a found value for messages: `"abc"`, `12`, `a list`, `a mapping`, `nothing`. */
export function describeFound(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}
