// Store contract, telemetry: function logs, per-second metric buckets, and the event log.

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DURATION_BUCKETS_MS, type Store } from './index.js';
import { StoreHarness } from './testing/store-harness.js';
import { logEntry, sample } from './testing/store-fixtures.js';

const harness = new StoreHarness(process.env.TEST_DATABASE_URL);
afterEach(() => harness.teardown());
afterAll(() => harness.dropSchemas());

for (const target of harness.targets) {
  describe(`Store contract on ${target}: logs`, () => {
    it('returns the newest entries oldest first, filtered, and tails by id', async () => {
      const { store } = await harness.freshStore(target);
      await store.appendLogs([]);
      await store.appendLogs([
        logEntry('one', { ts: 100 }), logEntry('two', { ts: 200, level: 'error' }), logEntry('three', { ts: 300, function: 'list' }),
        logEntry('four', { ts: 400, service: 'tasks', function: 'run' }), logEntry('prod', { ts: 400, stage: 'prod' }),
      ]);
      const all = await store.queryLogs({ app: 'workshop', stage: 'dev' });
      expect(all.map((e) => e.message)).toEqual(['one', 'two', 'three', 'four']);
      expect(all[1]).toEqual({ ...logEntry('two', { ts: 200, level: 'error' }), id: all[1].id });
      expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => a - b));
      const messages = async (query: Partial<Parameters<Store['queryLogs']>[0]>) =>
        (await store.queryLogs({ app: 'workshop', stage: 'dev', ...query })).map((e) => e.message);
      expect(await messages({ limit: 2 })).toEqual(['three', 'four']);
      expect(await messages({ service: 'restapi' })).toEqual(['one', 'two', 'three']);
      expect(await messages({ service: 'restapi', function: 'submit' })).toEqual(['one', 'two']);
      expect(await messages({ sinceTs: 300 })).toEqual(['three', 'four']);
      expect(await messages({ afterId: all[1].id })).toEqual(['three', 'four']);
      expect(await messages({ afterId: all[3].id })).toEqual([]);
      await store.appendLogs([logEntry('five')]);
      expect(await messages({ afterId: all[3].id })).toEqual(['five']);
    });

    it('applies the default limit of 100 and inserts large batches', async () => {
      const { store } = await harness.freshStore(target);
      await store.appendLogs(Array.from({ length: 2500 }, (_, i) => logEntry(`m${i}`, { ts: i })));
      const newest = await store.queryLogs({ app: 'workshop', stage: 'dev' });
      expect(newest).toHaveLength(100);
      expect([newest[0].message, newest[99].message]).toEqual(['m2400', 'm2499']);
    });

    it('deletes a stage\'s logs and never reuses their ids', async () => {
      const { store } = await harness.freshStore(target);
      await store.appendLogs([logEntry('dev-1'), logEntry('prod-1', { stage: 'prod' }), logEntry('dev-2')]);
      const [, last] = await store.queryLogs({ app: 'workshop', stage: 'dev' });
      await store.deleteLogs('workshop', 'dev');
      expect(await store.queryLogs({ app: 'workshop', stage: 'dev' })).toEqual([]);
      expect((await store.queryLogs({ app: 'workshop', stage: 'prod' })).map((e) => e.message)).toEqual(['prod-1']);
      await store.appendLogs([logEntry('dev-3')]);
      const [next] = await store.queryLogs({ app: 'workshop', stage: 'dev' });
      expect(next.id).toBeGreaterThan(last.id);
    });
  });

  describe(`Store contract on ${target}: metrics`, () => {
    const histogram = (index: number, count = 1) => DURATION_BUCKETS_MS.map((_, i) => (i === index ? count : 0));

    it('sums samples with the same key into one bucket, across and within batches', async () => {
      const { store } = await harness.freshStore(target);
      await store.addMetrics([sample()]);
      await store.addMetrics([
        sample({ invocations: 2, errors: 1, durationSumMs: 7.5, durationHistogram: histogram(0, 2) }),
        sample({ invocations: 3, throttles: 2, durationSumMs: 100, durationHistogram: histogram(17, 3) }),
        sample({ versionId: 'v2' }),
        sample({ bucket: 6000 }),
      ]);
      const rows = await store.queryMetrics({ app: 'workshop', stage: 'dev' });
      expect(rows).toHaveLength(3);
      const summed = DURATION_BUCKETS_MS.map((_, i) => (i === 0 ? 2 : i === 4 ? 1 : i === 17 ? 3 : 0));
      expect(rows[0]).toEqual(sample({ invocations: 6, errors: 1, throttles: 2, durationSumMs: 120, durationHistogram: summed }));
      expect(rows.map((r) => `${r.bucket}/${r.versionId}`)).toEqual(['5000/v1', '5000/v2', '6000/v1']);
    });

    it('filters metrics by function, version and an inclusive bucket range', async () => {
      const { store } = await harness.freshStore(target);
      await store.addMetrics([
        sample({ bucket: 1000 }), sample({ bucket: 2000 }), sample({ bucket: 3000 }), sample({ bucket: 2000, function: 'list' }),
        sample({ bucket: 2000, versionId: 'v2' }), sample({ bucket: 2000, stage: 'prod' }), sample({ bucket: 2000, service: 'tasks' }),
      ]);
      const keys = async (query: Partial<Parameters<Store['queryMetrics']>[0]>) =>
        (await store.queryMetrics({ app: 'workshop', stage: 'dev', ...query })).map((r) => `${r.bucket}/${r.service}.${r.function}/${r.versionId}`);
      expect(await keys({ fromBucket: 2000, toBucket: 2000, service: 'restapi', function: 'submit' }))
        .toEqual(['2000/restapi.submit/v1', '2000/restapi.submit/v2']);
      expect(await keys({ versionId: 'v1', service: 'restapi', function: 'submit', fromBucket: 2000 })).toEqual(['2000/restapi.submit/v1', '3000/restapi.submit/v1']);
      expect(await keys({ toBucket: 1000 })).toEqual(['1000/restapi.submit/v1']);
      expect(await keys({ fromBucket: 2000, toBucket: 2000 })).toHaveLength(4);
    });

    it('takes a batch of 100 samples per second over many seconds and deletes a stage\'s', async () => {
      const { store } = await harness.freshStore(target);
      for (let second = 0; second < 20; second++) {
        await store.addMetrics(Array.from({ length: 100 }, (_, i) => sample({ bucket: second * 1000, function: `f${i % 10}` })));
      }
      const rows = await store.queryMetrics({ app: 'workshop', stage: 'dev' });
      expect(rows).toHaveLength(200);
      expect(rows.every((r) => r.invocations === 10 && r.durationHistogram[4] === 10 && r.durationSumMs === 125)).toBe(true);
      await store.addMetrics([sample({ stage: 'prod' })]);
      await store.deleteMetrics('workshop', 'dev');
      expect(await store.queryMetrics({ app: 'workshop', stage: 'dev' })).toEqual([]);
      expect(await store.queryMetrics({ app: 'workshop', stage: 'prod' })).toHaveLength(1);
    });
  });

  describe(`Store contract on ${target}: events`, () => {
    const event = (type: string, stage: string | null = 'dev') =>
      ({ type, actor: 'alice', app: stage ? 'workshop' : null, stage, service: null, payload: { detail: type, n: [1] } });

    it('appends events with increasing ids, the clock time unless given', async () => {
      const { store, clock } = await harness.freshStore(target);
      const first = await store.appendEvent(event('deploy.started'));
      const second = await store.appendEvent({ ...event('deploy.finished'), ts: 42 });
      expect(first).toEqual({ ...event('deploy.started'), id: first.id, ts: clock.now(), commitSha: null });
      expect(second.id).toBeGreaterThan(first.id);
      expect(second.ts).toBe(42);
    });

    it('lists events oldest first: the newest by default, and pages forward after an id', async () => {
      const { store } = await harness.freshStore(target);
      const ids: number[] = [];
      for (const [type, stage] of [['a', 'dev'], ['b', 'prod'], ['c', 'dev'], ['d', null], ['e', 'dev']] as const) {
        ids.push((await store.appendEvent(event(type, stage))).id);
      }
      const types = async (query: Parameters<Store['listEvents']>[0]) => (await store.listEvents(query)).map((e) => e.type);
      expect(await types({})).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(await types({ limit: 2 })).toEqual(['d', 'e']);
      expect(await types({ afterId: ids[0], limit: 2 })).toEqual(['b', 'c']);
      expect(await types({ app: 'workshop', stage: 'dev' })).toEqual(['a', 'c', 'e']);
      expect(await types({ app: 'workshop', afterId: ids[2] })).toEqual(['e']);
      expect((await store.listEvents({ limit: 1 }))[0].payload).toEqual({ detail: 'e', n: [1] });
    });
  });
}
