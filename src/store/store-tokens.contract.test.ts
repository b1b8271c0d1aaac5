// Store contract, team use: API tokens (stored hashed, one live token per name, revoked ones kept), the
// commit an audit entry concerns, the audit's time filter, and the approval a stage remembers.

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isSluiceError } from '../errors/index.js';
import { StoreHarness } from './testing/store-harness.js';
import { rejection } from './testing/store-fixtures.js';
import type { NewToken } from './types.js';

const harness = new StoreHarness(process.env.TEST_DATABASE_URL);
afterEach(() => harness.teardown());
afterAll(() => harness.dropSchemas());

const token = (name: string, overrides: Partial<NewToken> = {}): NewToken =>
  ({ id: `id-${name}`, name, tokenHash: `hash-${name}`, role: 'deployer', profiles: null, createdBy: 'root', expiresAt: null, ...overrides });

for (const target of harness.targets) {
  describe(`Store contract on ${target}: API tokens`, () => {
    it('creates a token and finds it by its hash, never returning the hash', async () => {
      const { store, clock } = await harness.freshStore(target);
      const created = await store.createToken(token('dana', { role: 'deployer', profiles: ['dev', 'preview'], expiresAt: clock.now() + 1000 }));
      const expected = {
        id: 'id-dana', name: 'dana', role: 'deployer', profiles: ['dev', 'preview'], createdBy: 'root', createdAt: clock.now(),
        expiresAt: clock.now() + 1000, lastUsedAt: null, revokedAt: null, revokedBy: null,
      };
      expect(created).toEqual(expected);
      expect(await store.findTokenByHash('hash-dana')).toEqual(expected);
      expect(await store.findTokenByHash('hash-nobody')).toBeUndefined();
      expect(JSON.stringify(await store.listTokens())).not.toContain('hash-dana');
    });

    it('refuses a second live token with the same name, and allows the name again once revoked', async () => {
      const { store, clock } = await harness.freshStore(target);
      await store.createToken(token('ci'));
      const error = await rejection(store.createToken(token('ci', { id: 'id-ci-2', tokenHash: 'hash-ci-2' })));
      expect(isSluiceError(error) && error.code).toBe('CONFLICT');
      clock.advance(10);
      const revoked = await store.revokeToken('ci', 'root');
      expect(revoked).toMatchObject({ id: 'id-ci', revokedAt: clock.now(), revokedBy: 'root' });
      expect(await store.revokeToken('ci', 'root')).toBeUndefined();
      await store.createToken(token('ci', { id: 'id-ci-2', tokenHash: 'hash-ci-2' }));
      const listed = await store.listTokens();
      expect(listed.map((t) => [t.id, t.revokedAt !== null])).toEqual([['id-ci', true], ['id-ci-2', false]]);
      expect((await store.findTokenByHash('hash-ci'))?.revokedAt).toBe(clock.now());
    });

    it('refuses a token whose hash is already stored', async () => {
      const { store } = await harness.freshStore(target);
      await store.createToken(token('a'));
      const error = await rejection(store.createToken(token('b', { tokenHash: 'hash-a' })));
      expect(isSluiceError(error) && error.code).toBe('CONFLICT');
      expect((await store.listTokens()).map((t) => t.name)).toEqual(['a']);
    });

    it('records when a token was last used, and whether any token was ever created', async () => {
      const { store } = await harness.freshStore(target);
      expect(await store.hasTokens()).toBe(false);
      await store.createToken(token('viewer', { role: 'viewer' }));
      await store.revokeToken('viewer', 'root');
      expect(await store.hasTokens()).toBe(true);
      await store.markTokenUsed('id-viewer', 12345);
      expect((await store.listTokens())[0]).toMatchObject({ role: 'viewer', lastUsedAt: 12345 });
    });

    it('keeps a revoke and its audit entry together in a transaction', async () => {
      const { store } = await harness.freshStore(target);
      await store.createToken(token('ops'));
      await rejection(store.transaction(async (tx) => {
        await tx.revokeToken('ops', 'root');
        await tx.appendEvent({ type: 'token.revoked', actor: 'root', app: null, stage: null, service: null, payload: { token: 'ops' } });
        throw new Error('boom');
      }));
      expect((await store.listTokens())[0].revokedAt).toBeNull();
      expect(await store.listEvents({})).toEqual([]);
    });
  });

  describe(`Store contract on ${target}: the audit timeline's columns`, () => {
    it('keeps the commit of an event, and filters by time', async () => {
      const { store } = await harness.freshStore(target);
      const base = { actor: 'dana', app: 'shop', stage: 'dev', service: 'api', payload: {} };
      await store.appendEvent({ ...base, type: 'deployment.started', ts: 100, commitSha: 'a1b2c3d' });
      await store.appendEvent({ ...base, type: 'stage.removed', ts: 200, service: null });
      const all = await store.listEvents({});
      expect(all.map((e) => [e.type, e.commitSha])).toEqual([['deployment.started', 'a1b2c3d'], ['stage.removed', null]]);
      expect((await store.listEvents({ sinceTs: 150 })).map((e) => e.type)).toEqual(['stage.removed']);
      expect((await store.listEvents({ sinceTs: 100, stage: 'dev' })).map((e) => e.type)).toEqual(['deployment.started', 'stage.removed']);
    });

    it('remembers a stage\'s approval, leaving it as stored when an upsert does not name it', async () => {
      const { store } = await harness.freshStore(target);
      await store.upsertStage({ app: 'shop', name: 'prod', profile: 'prod', kind: 'stage', approval: 'required' });
      expect((await store.getStage('shop', 'prod'))?.approval).toBe('required');
      await store.upsertStage({ app: 'shop', name: 'prod', profile: 'prod', kind: 'stage' });
      expect((await store.getStage('shop', 'prod'))?.approval).toBe('required');
      await store.upsertStage({ app: 'shop', name: 'prod', profile: 'prod', kind: 'stage', approval: 'none' });
      expect((await store.listStages('shop'))[0].approval).toBe('none');
      await store.upsertStage({ app: 'shop', name: 'dev', profile: 'dev', kind: 'stage' });
      expect((await store.getStage('shop', 'dev'))?.approval).toBe('none');
    });
  });
}
