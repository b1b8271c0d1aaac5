import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TokenRecord } from '../store/types.js';
import { PreviewAccess, presentedTokens } from './preview-access.js';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

function token(name: string, overrides: Partial<TokenRecord> = {}): TokenRecord {
  return { id: `id-${name}`, name, role: 'viewer', profiles: null, createdBy: 'ann', createdAt: 0, expiresAt: null, lastUsedAt: null, revokedAt: null, revokedBy: null, ...overrides };
}

/** A store of tokens by hash that counts lookups, and can hold them until released or fail them. */
function tokenStore(tokens: Record<string, TokenRecord>) {
  const byHash = new Map(Object.entries(tokens).map(([value, record]) => [hash(value), record]));
  const store = {
    lookups: 0,
    failing: false,
    held: undefined as Array<() => void> | undefined,
    records: byHash,
    async findTokenByHash(tokenHash: string): Promise<TokenRecord | undefined> {
      store.lookups++;
      if (store.held) await new Promise<void>((resolve) => store.held!.push(resolve));
      if (store.failing) throw new Error('connect ECONNREFUSED');
      return byHash.get(tokenHash);
    },
  };
  return store;
}

function access(store: ReturnType<typeof tokenStore>, options: { bootstrapToken?: string; cacheSize?: number } = {}) {
  let time = 1_000_000;
  const checker = new PreviewAccess({ store, now: () => time, cacheMs: 5000, ...options });
  return { checker, advance: (ms: number) => (time += ms) };
}

describe('presentedTokens', () => {
  it('finds the token in x-sluice-token, ?sluice_token and Authorization, and removes Sluice\'s own two', () => {
    const presented = presentedTokens(
      ['Host', 'x', 'X-Sluice-Token', 'from-header', 'Authorization', 'Bearer from-bearer', 'x-sluice-token', 'second'],
      'a=1&sluice_token=from%20query&b=2&sluice%5Ftoken=again',
    );
    expect(presented).toEqual({
      header: 'from-header',
      query: 'from query',
      bearer: 'from-bearer',
      rawHeaders: ['Host', 'x', 'Authorization', 'Bearer from-bearer'],
      rawQueryString: 'a=1&b=2',
    });
  });

  it('leaves a request without Sluice tokens as it is', () => {
    expect(presentedTokens(['Authorization', 'Basic abc'], 'q=sluice&x=%41')).toEqual({ rawHeaders: ['Authorization', 'Basic abc'], rawQueryString: 'q=sluice&x=%41' });
    expect(presentedTokens([], 'sluice_token=')).toEqual({ rawHeaders: [], rawQueryString: '' });
  });
});

describe('PreviewAccess', () => {
  it('admits stored tokens that are neither revoked nor expired, and SLUICE_TOKEN without asking the store', async () => {
    const store = tokenStore({
      good: token('good'),
      revoked: token('revoked', { revokedAt: 5 }),
      expired: token('expired', { expiresAt: 999_999 }),
      later: token('later', { expiresAt: 2_000_000 }),
    });
    const { checker } = access(store, { bootstrapToken: 'boot' });
    expect(await checker.isValid('good')).toBe(true);
    expect(await checker.isValid('later')).toBe(true);
    expect(await checker.isValid('revoked')).toBe(false);
    expect(await checker.isValid('expired')).toBe(false);
    expect(await checker.isValid('unknown')).toBe(false);
    const lookups = store.lookups;
    expect(await checker.isValid('boot')).toBe(true);
    expect(store.lookups).toBe(lookups);
  });

  it('removes a valid bearer token before the handler, and keeps an Authorization header that is the app\'s', async () => {
    const { checker } = access(tokenStore({ good: token('good') }));
    expect(await checker.admit(['Authorization', 'Bearer good', 'Accept', '*/*'], 'x=1')).toEqual({ rawHeaders: ['Accept', '*/*'], rawQueryString: 'x=1' });
    expect(await checker.admit(['Authorization', 'Bearer app-session', 'x-sluice-token', 'good'], '')).toEqual({ rawHeaders: ['Authorization', 'Bearer app-session'], rawQueryString: '' });
    expect(await checker.admit([], 'sluice_token=good&page=2')).toEqual({ rawHeaders: [], rawQueryString: 'page=2' });
    expect(await checker.admit(['Authorization', 'Bearer bad'], 'sluice_token=worse')).toBeUndefined();
    expect(await checker.admit([], '')).toBeUndefined();
  });

  it('asks the store once per token and period, for bad tokens too, then again once the period is over', async () => {
    const store = tokenStore({ good: token('good') });
    const { checker, advance } = access(store);
    for (let i = 0; i < 20; i++) expect(await checker.isValid('bad')).toBe(false);
    for (let i = 0; i < 20; i++) expect(await checker.isValid('good')).toBe(true);
    expect(store.lookups).toBe(2);
    store.records.get(hash('good'))!.revokedAt = 7;
    advance(4999);
    expect(await checker.isValid('good')).toBe(true);
    advance(1);
    expect(await checker.isValid('good')).toBe(false);
    expect(await checker.isValid('bad')).toBe(false);
    expect(store.lookups).toBe(4);
  });

  it('shares one lookup among concurrent requests with the same token', async () => {
    const store = tokenStore({ good: token('good') });
    store.held = [];
    const { checker } = access(store);
    const answers = Promise.all(Array.from({ length: 10 }, () => checker.isValid('good')));
    expect(store.lookups).toBe(1);
    for (const release of store.held) release();
    expect(await answers).toEqual(Array(10).fill(true));
  });

  it('does not trust a token past its expiry, however recently it was looked up', async () => {
    const store = tokenStore({ soon: token('soon', { expiresAt: 1_002_000 }) });
    const { checker, advance } = access(store);
    expect(await checker.isValid('soon')).toBe(true);
    advance(1999);
    expect(await checker.isValid('soon')).toBe(true);
    advance(1);
    expect(await checker.isValid('soon')).toBe(false);
    expect(store.lookups).toBe(2);
  });

  it('caches nothing when the store fails, so the next request asks again', async () => {
    const store = tokenStore({ good: token('good') });
    const { checker } = access(store);
    store.failing = true;
    await expect(checker.admit(['x-sluice-token', 'good'], '')).rejects.toThrow('ECONNREFUSED');
    store.failing = false;
    expect(await checker.isValid('good')).toBe(true);
    expect(store.lookups).toBe(2);
  });

  it('forgets the oldest answers beyond its size', async () => {
    const store = tokenStore({});
    const { checker } = access(store, { cacheSize: 3 });
    for (const t of ['a', 'b', 'c', 'd']) await checker.isValid(t);
    expect(store.lookups).toBe(4);
    await checker.isValid('d');
    expect(store.lookups).toBe(4);
    await checker.isValid('a');
    expect(store.lookups).toBe(5);
  });
});
