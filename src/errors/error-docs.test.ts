// Keeps docs/errors.md in step with the error registry: every code documented with its status, none stale.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './index.js';

const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map([...docs.matchAll(/^\| `([A-Z_]+)` \| (\d+) \|/gm)].map((m) => [m[1]!, Number(m[2])]));

describe('error registry', () => {
  it('documents every code with its HTTP status', () => {
    for (const [code, { status }] of Object.entries(ERROR_CODES)) expect({ code, status: documented.get(code) }).toEqual({ code, status });
  });

  it('documents no code that does not exist', () => {
    for (const code of documented.keys()) expect(Object.keys(ERROR_CODES)).toContain(code);
  });
});
