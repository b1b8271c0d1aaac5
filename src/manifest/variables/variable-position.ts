// Maps a character offset inside a string value back to file:line:column. Exact for plain scalars; inside
// quoted, folded or literal scalars (where escapes and line folding shift characters) it finds the same
// occurrence of `${` in the source text, which is right in practice.
import type { Problem } from '../../errors/index.js';
import type { ManifestFile } from '../types.js';
import { findNode, formatPropertyPath, positionOfOffset, type PropertyPath } from '../yaml-source.js';

/** A problem at character `offset` of the string `value` found at `path` in `file`. */
export function problemInString(file: ManifestFile, path: PropertyPath, value: string, offset: number, message: string): Problem {
  return { file: file.displayPath, ...positionInString(file, path, value, offset), path: formatPropertyPath(path), message };
}

export function positionInString(file: ManifestFile, path: PropertyPath, value: string, offset: number): { line: number; column: number } {
  const { node, exact } = findNode(file, path);
  const range = node?.range;
  if (!range) return { line: 1, column: 1 };
  const nodeStart = range[0];
  if (!exact) return positionOfOffset(file, nodeStart);
  const source = file.text.slice(nodeStart, range[1]);
  const anchor = value.lastIndexOf('${', offset);
  if (anchor < 0) return positionOfOffset(file, nodeStart);
  const occurrence = countOccurrences(value.slice(0, anchor), '${');
  const sourceAnchor = nthIndexOf(source, '${', occurrence);
  if (sourceAnchor < 0) return positionOfOffset(file, nodeStart);
  return positionOfOffset(file, nodeStart + sourceAnchor + (offset - anchor));
}

function countOccurrences(text: string, needle: string): number {
  let count = 0;
  for (let index = text.indexOf(needle); index >= 0; index = text.indexOf(needle, index + needle.length)) count++;
  return count;
}

function nthIndexOf(text: string, needle: string, n: number): number {
  let index = text.indexOf(needle);
  for (let seen = 0; seen < n && index >= 0; seen++) index = text.indexOf(needle, index + needle.length);
  return index;
}
