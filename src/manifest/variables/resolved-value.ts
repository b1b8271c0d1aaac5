// Small operations on resolved values: stepping into them by a `${self:…}` segment, and carrying the
// secret taint (paths inside a value that hold a secret) as values are nested and taken apart.
import type { PropertyPath } from '../yaml-source.js';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Strings, numbers and booleans: the values that can be written into a longer text. */
export function isScalarValue(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** The child of a mapping by key, or of a list by a numeric segment. */
export function childOf(container: unknown, segment: string): { key: string | number; value: unknown } | undefined {
  if (Array.isArray(container)) {
    if (!/^\d+$/.test(segment)) return undefined;
    const index = Number(segment);
    return index < container.length ? { key: index, value: container[index] } : undefined;
  }
  if (isPlainObject(container) && Object.hasOwn(container, segment)) return { key: segment, value: container[segment] };
  return undefined;
}

/** Taint of a child, seen from its parent. */
export function prefixTaint(key: string | number, taint: PropertyPath[]): PropertyPath[] {
  return taint.map((path) => [key, ...path]);
}

/** Taint of the part of a value at `inside`: the whole part when an ancestor is tainted, else the paths below it. */
export function taintInside(taint: PropertyPath[], inside: PropertyPath): PropertyPath[] {
  const result: PropertyPath[] = [];
  for (const path of taint) {
    if (path.length <= inside.length && path.every((segment, index) => String(segment) === String(inside[index]))) return [[]];
    if (inside.every((segment, index) => String(segment) === String(path[index]))) result.push(path.slice(inside.length));
  }
  return result;
}
