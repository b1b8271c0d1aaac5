// Finds the strings of a document that hold variables, with their property paths.
import type { PropertyPath } from '../yaml-source.js';
import { containsVariable } from './variable-syntax.js';

/** Calls `visit` for every string value of `data` holding `${`, in document order. Keys are not visited. */
export function forEachVariableString(data: unknown, visit: (path: PropertyPath, text: string) => void, path: PropertyPath = []): void {
  if (containsVariable(data)) visit(path, data);
  else if (Array.isArray(data)) data.forEach((item, index) => forEachVariableString(item, visit, [...path, index]));
  else if (data !== null && typeof data === 'object') {
    for (const [key, value] of Object.entries(data)) forEachVariableString(value, visit, [...path, key]);
  }
}
