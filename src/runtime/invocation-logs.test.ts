import { describe, expect, it } from 'vitest';
import { InvocationLogs, MAX_BUFFERED_LOG_LINES } from './invocation-logs.js';

const origin = { app: 'a', stage: 's', service: 'svc', function: 'f', versionId: 'v1' };

describe('InvocationLogs', () => {
  it('takes lines given back before newer ones', () => {
    const logs = new InvocationLogs(() => 5);
    logs.add(origin, 'r1', 'log', 'first');
    const failed = logs.take();
    logs.add(origin, 'r2', 'log', 'second');
    logs.putBack(failed);
    expect(logs.take().map((e) => e.message)).toEqual(['first', 'second']);
    expect(logs.take()).toEqual([]);
  });

  it('keeps at most the bound while lines wait for the store, and reports what it dropped', () => {
    const logs = new InvocationLogs(() => 5);
    for (let i = 0; i < MAX_BUFFERED_LOG_LINES - 5; i++) logs.add(origin, 'r', 'log', `old ${i}`);
    const failed = logs.take();
    for (let i = 0; i < 10; i++) logs.add(origin, 'r', 'log', `new ${i}`);
    logs.putBack(failed);
    expect(logs.size).toBe(MAX_BUFFERED_LOG_LINES);
    logs.add(origin, 'r', 'log', 'one too many');
    const taken = logs.take();
    expect(taken).toHaveLength(MAX_BUFFERED_LOG_LINES + 1);
    expect(taken[0].message).toBe('old 0');
    expect(taken[MAX_BUFFERED_LOG_LINES - 1].message).toBe('new 4');
    expect(taken[MAX_BUFFERED_LOG_LINES]).toMatchObject({ ...origin, level: 'system', message: '6 log lines dropped: the function logged faster than the store could take them.' });
  });
});
