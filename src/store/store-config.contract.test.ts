// Store contract, configuration: outputs published by services, params and secret ciphertexts per profile,
// and the keyed JSON tables services declare.

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isSluiceError } from '../errors/index.js';
import { StoreHarness } from './testing/store-harness.js';
import { rejection } from './testing/store-fixtures.js';

const harness = new StoreHarness(process.env.TEST_DATABASE_URL);
afterEach(() => harness.teardown());
afterAll(() => harness.dropSchemas());

for (const target of harness.targets) {
  describe(`Store contract on ${target}: outputs, params and secrets`, () => {
    it('replaces the outputs of a service and lists them by service and key', async () => {
      const { store } = await harness.freshStore(target);
      await store.setOutputs('workshop', 'dev', 'restapi', { url: 'http://a', old: 'x' });
      await store.setOutputs('workshop', 'dev', 'restapi', { url: 'http://b' });
      await store.setOutputs('workshop', 'dev', 'database', { tableName: 't', arn: 'a' });
      await store.setOutputs('workshop', 'prod', 'database', { tableName: 'p' });
      expect(await store.getOutput('workshop', 'dev', 'restapi', 'url')).toBe('http://b');
      expect(await store.getOutput('workshop', 'dev', 'restapi', 'old')).toBeUndefined();
      expect(await store.listOutputs('workshop', 'dev')).toEqual([
        { service: 'database', key: 'arn', value: 'a' }, { service: 'database', key: 'tableName', value: 't' },
        { service: 'restapi', key: 'url', value: 'http://b' },
      ]);
      await store.deleteOutputs('workshop', 'dev', 'database');
      expect((await store.listOutputs('workshop', 'dev')).map((o) => o.key)).toEqual(['url']);
      await store.deleteOutputs('workshop', 'dev');
      expect(await store.listOutputs('workshop', 'dev')).toEqual([]);
      expect(await store.getOutput('workshop', 'prod', 'database', 'tableName')).toBe('p');
    });

    it('sets, lists and unsets params per profile', async () => {
      const { store } = await harness.freshStore(target);
      await store.setParam('dev', 'env', 'dev');
      await store.setParam('dev', 'endpoint', 'https://a');
      await store.setParam('dev', 'endpoint', 'https://b');
      await store.setParam('prod', 'env', 'prod');
      expect(await store.listParams('dev')).toEqual({ endpoint: 'https://b', env: 'dev' });
      expect(await store.unsetParam('dev', 'env')).toBe(true);
      expect(await store.unsetParam('dev', 'env')).toBe(false);
      expect(await store.listParams('dev')).toEqual({ endpoint: 'https://b' });
      expect(await store.listParams('prod')).toEqual({ env: 'prod' });
      expect(await store.listAllParams()).toEqual([
        { profile: 'dev', name: 'endpoint', value: 'https://b' },
        { profile: 'prod', name: 'env', value: 'prod' },
      ]);
    });

    it('sets, reads, lists and unsets secret ciphertexts', async () => {
      const { store, clock } = await harness.freshStore(target);
      await store.setSecret('prod', 'API_KEY', 'c1');
      clock.advance(7);
      await store.setSecret('prod', 'API_KEY', 'c2');
      await store.setSecret('dev', 'API_KEY', 'd1');
      expect(await store.getSecret('prod', 'API_KEY')).toBe('c2');
      expect(await store.getSecret('prod', 'OTHER')).toBeUndefined();
      expect(await store.listSecrets()).toEqual([
        { profile: 'dev', name: 'API_KEY', ciphertext: 'd1', updatedAt: clock.now() },
        { profile: 'prod', name: 'API_KEY', ciphertext: 'c2', updatedAt: clock.now() },
      ]);
      expect((await store.listSecrets('prod')).map((s) => s.ciphertext)).toEqual(['c2']);
      expect(await store.unsetSecret('prod', 'API_KEY')).toBe(true);
      expect(await store.unsetSecret('prod', 'API_KEY')).toBe(false);
      expect((await store.listSecrets()).map((s) => s.profile)).toEqual(['dev']);
    });
  });

  describe(`Store contract on ${target}: keyed tables`, () => {
    const table = (name: string, stage = 'dev') => ({ name, app: 'workshop', stage, service: 'database', logical: 'submissions', keyField: 'id' });

    it('registers, reads and lists tables', async () => {
      const { store } = await harness.freshStore(target);
      await store.registerTable(table('workshop-dev-b'));
      await store.registerTable(table('workshop-dev-a'));
      await store.registerTable({ ...table('workshop-dev-a'), keyField: 'pk' });
      await store.registerTable(table('workshop-prod-a', 'prod'));
      expect(await store.getTable('workshop-dev-a')).toEqual({ ...table('workshop-dev-a'), keyField: 'pk' });
      expect(await store.getTable('missing')).toBeUndefined();
      expect((await store.listTables('workshop', 'dev')).map((t) => t.name)).toEqual(['workshop-dev-a', 'workshop-dev-b']);
    });

    it('puts, gets, overwrites and deletes JSON items', async () => {
      const { store } = await harness.freshStore(target);
      await store.registerTable(table('t'));
      const values: unknown[] = [{ id: 'a', nested: { list: [1, 'two', null] } }, [1, 2], 'text', 42.5, null, true];
      for (const [i, value] of values.entries()) await store.tablePut('t', `k${i}`, value);
      for (const [i, value] of values.entries()) expect(await store.tableGet('t', `k${i}`)).toEqual(value);
      await store.tablePut('t', 'k0', { id: 'a', v: 2 });
      expect(await store.tableGet('t', 'k0')).toEqual({ id: 'a', v: 2 });
      expect(await store.tableGet('t', 'missing')).toBeUndefined();
      expect(await store.tableDelete('t', 'k0')).toBe(true);
      expect(await store.tableDelete('t', 'k0')).toBe(false);
      expect(await store.tableGet('t', 'k0')).toBeUndefined();
    });

    it('refuses items for a table that is not registered', async () => {
      const { store } = await harness.freshStore(target);
      const error = await rejection(store.tablePut('ghost', 'k', 1));
      expect(isSluiceError(error) && error.code).toBe('NOT_FOUND');
    });

    it('queries by key prefix in code-point order, with % and _ as plain characters', async () => {
      const { store } = await harness.freshStore(target);
      await store.registerTable(table('t'));
      const keys = ['a%b', 'a_b', 'axb', 'a%', 'ab', 'A', 'b', 'a', 'a\\b', 'aé', 'a😀', 'a\u{10FFFF}z', '\u{10FFFF}', 'Ab', 'a-b', 'a b'];
      for (const key of keys) await store.tablePut('t', key, { key });
      const query = async (prefix: string, limit?: number) => (await store.tableQuery('t', prefix, limit)).map((item) => item.key);
      expect(await query('a%')).toEqual(['a%', 'a%b']);
      expect(await query('a_')).toEqual(['a_b']);
      expect(await query('a\\')).toEqual(['a\\b']);
      expect(await query('a')).toEqual(['a', 'a b', 'a%', 'a%b', 'a-b', 'a\\b', 'a_b', 'ab', 'axb', 'aé', 'a😀', 'a\u{10FFFF}z']);
      expect(await query('a\u{10FFFF}')).toEqual(['a\u{10FFFF}z']);
      expect(await query('\u{10FFFF}')).toEqual(['\u{10FFFF}']);
      expect(await query('a', 3)).toEqual(['a', 'a b', 'a%']);
      expect(await query('')).toEqual([...keys].sort((x, y) => (Buffer.compare(Buffer.from(x), Buffer.from(y)))));
      expect(await query('zz')).toEqual([]);
      expect((await store.tableQuery('t', 'a%b'))[0]).toEqual({ key: 'a%b', value: { key: 'a%b' } });
    });

    it('drops the tables of one stage with all their items', async () => {
      const { store } = await harness.freshStore(target);
      for (const t of [table('dev-a'), table('dev-b'), table('prod-a', 'prod')]) {
        await store.registerTable(t);
        await store.tablePut(t.name, 'k', t.name);
      }
      expect((await store.dropTables('workshop', 'dev')).sort()).toEqual(['dev-a', 'dev-b']);
      expect(await store.listTables('workshop', 'dev')).toEqual([]);
      expect(await store.getTable('dev-a')).toBeUndefined();
      await store.registerTable(table('dev-a'));
      expect(await store.tableQuery('dev-a', '')).toEqual([]);
      expect(await store.tableGet('prod-a', 'k')).toBe('prod-a');
      expect(await store.dropTables('workshop', 'dev')).toEqual(['dev-a']);
    });
  });
}
