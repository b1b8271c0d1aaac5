import { describe, expect, it } from 'vitest';
import { createSecretBox, SECRET_MASK } from '../secrets/index.js';
import type { StoredLogEntry } from '../store/index.js';
import { maskedLogEntries } from './log-masking.js';

const box = createSecretBox(Buffer.alloc(32, 5));
const SECRET = 'whsec_0f3c9a8b7e6d';
const store = { listSecrets: async () => [{ profile: 'dev', name: 'HOOK', ciphertext: box.encrypt(SECRET), updatedAt: 0 }] };
const entry = (id: number, requestId: string, message: string): StoredLogEntry =>
  ({ id, ts: id, app: 'a', stage: 's', service: 'x', function: 'f', versionId: 'v1', requestId, level: 'log', message });

describe('maskedLogEntries', () => {
  it('masks a secret split across lines of one invocation, even with another invocation in between', async () => {
    const entries = [entry(1, 'r1', SECRET.slice(0, 6)), entry(2, 'r2', 'other call'), entry(3, 'r1', SECRET.slice(6)), entry(4, 'r2', `raw ${SECRET}`)];
    const masked = await maskedLogEntries(store, box, entries);
    expect(masked.map((e) => [e.id, e.message])).toEqual([[1, SECRET_MASK], [2, 'other call'], [3, SECRET_MASK], [4, `raw ${SECRET_MASK}`]]);
  });

  it('returns the entries as they are when no secret is stored', async () => {
    const entries = [entry(1, 'r1', SECRET)];
    expect(await maskedLogEntries({ listSecrets: async () => [] }, box, entries)).toBe(entries);
  });
});
