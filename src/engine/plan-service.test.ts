import { describe, expect, it } from 'vitest';
import type { AliasRecord } from '../store/index.js';
import { planService, type CurrentServiceState, type DesiredServiceState } from './plan-service.js';

const live = (fn: string, targets: AliasRecord['targets']): AliasRecord => ({ app: 'a', stage: 's', service: 'api', function: fn, name: 'live', targets, rules: {}, updatedAt: 0 });
const url = 'http://127.0.0.1:4601/a/s/api';
const table = { logical: 'items', name: 'a-s-api-items', key: 'id' };

const current: CurrentServiceState = {
  live: [live('list', [{ versionId: 'v-list', weight: 100 }]), live('submit', [{ versionId: 'v-submit', weight: 100 }])],
  outputs: { url },
  tableNames: ['a-s-api-items'],
  url,
};
const desired: DesiredServiceState = {
  functions: [{ name: 'list', versionId: 'v-list' }, { name: 'submit', versionId: 'v-submit' }],
  outputs: { url },
  tables: [table],
  url,
};

describe('planService', () => {
  it('plans nothing when every function, output, table and the URL are as deployed', () => {
    const plan = planService(current, desired);
    expect(plan.changed).toBe(false);
    expect(plan.publish).toEqual([]);
    expect(plan.unchanged).toEqual(['list', 'submit']);
  });

  it('publishes only the function whose version changed (code or config), from the version serving now', () => {
    const plan = planService(current, { ...desired, functions: [{ name: 'list', versionId: 'v-list-2' }, { name: 'submit', versionId: 'v-submit' }] });
    expect(plan.changed).toBe(true);
    expect(plan.publish).toEqual([{ function: 'list', from: 'v-list', to: 'v-list-2' }]);
    expect(plan.unchanged).toEqual(['submit']);
  });

  it('publishes a new function and removes one that left the manifest', () => {
    const plan = planService(current, { ...desired, functions: [{ name: 'list', versionId: 'v-list' }, { name: 'get', versionId: 'v-get' }] });
    expect(plan.publish).toEqual([{ function: 'get', from: null, to: 'v-get' }]);
    expect(plan.removeFunctions).toEqual(['submit']);
  });

  it('settles a split alias even when the new version is already one of its targets', () => {
    const split = { ...current, live: [live('list', [{ versionId: 'v-list', weight: 90 }, { versionId: 'v-list-2', weight: 10 }]), current.live[1]!] };
    const plan = planService(split, { ...desired, functions: [{ name: 'list', versionId: 'v-list-2' }, { name: 'submit', versionId: 'v-submit' }] });
    expect(plan.publish).toEqual([{ function: 'list', from: 'v-list', to: 'v-list-2' }]);
  });

  it('sees changed outputs, new tables and a first deploy of the service', () => {
    expect(planService(current, { ...desired, outputs: { url, extra: 'x' } }).outputsChanged).toBe(true);
    expect(planService(current, { ...desired, tables: [table, { logical: 'more', name: 'a-s-api-more', key: 'id' }] }).newTables.map((t) => t.name)).toEqual(['a-s-api-more']);
    const fresh = planService({ live: [], outputs: {}, tableNames: [], url: null }, desired);
    expect(fresh).toMatchObject({ changed: true, newInstance: true, newTables: [table] });
    expect(fresh.publish.map((p) => p.from)).toEqual([null, null]);
  });
});
