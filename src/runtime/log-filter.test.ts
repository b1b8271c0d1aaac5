import { describe, expect, it } from 'vitest';
import { InvocationLogs } from './invocation-logs.js';
import { FilteredInvocationLogs, type LogFilter } from './log-filter.js';

const origin = { app: 'shop', stage: 'dev', service: 'api', function: 'f', versionId: 'v1' };

/** A filter that holds each piece back until the next one or the end, joining what its stream saw so far. */
function recordingFilter(): LogFilter & { opened: number } {
  const filter = {
    opened: 0,
    open<T>(emit: (item: T, text: string) => void) {
      filter.opened++;
      let held: { item: T; text: string } | undefined;
      let seen = 0;
      return {
        write(item: T, text: string) {
          if (held) emit(held.item, held.text);
          held = { item, text: `${++seen}:${text}` };
        },
        end() {
          if (held) emit(held.item, held.text);
          held = undefined;
        },
      };
    },
  };
  return filter;
}

describe('FilteredInvocationLogs', () => {
  it('sends the lines of an open invocation through one stream until its end, and other lines one by one', () => {
    const logs = new InvocationLogs(() => 1000);
    const filter = recordingFilter();
    const lines = new FilteredInvocationLogs(logs, filter, () => 1000);
    lines.end('quiet'); // an invocation that logged nothing opened nothing
    expect(filter.opened).toBe(0);

    lines.add(origin, 'r1', 'log', 'a', true);
    lines.add(origin, 'r1', 'log', 'b', true);
    expect(logs.size).toBe(1); // 'b' is held back by the stream
    lines.add(origin, 'r1', 'system', 'done', true);
    lines.end('r1');
    lines.add(origin, 'r1', 'log', 'late', false); // after its end: alone
    lines.add(origin, '', 'log', 'init', false);
    expect(filter.opened).toBe(3);
    expect(logs.take().map((e) => `${e.requestId}/${e.level}/${e.message}`)).toEqual(['r1/log/1:a', 'r1/log/2:b', 'r1/system/3:done', 'r1/log/1:late', '/log/1:init']);
  });

  it('without a filter, stores every line as it comes', () => {
    const logs = new InvocationLogs(() => 1000);
    const lines = new FilteredInvocationLogs(logs, undefined, () => 1000);
    lines.add(origin, 'r1', 'log', 'a', true);
    lines.end('r1');
    expect(logs.take().map((e) => e.message)).toEqual(['a']);
  });
});
