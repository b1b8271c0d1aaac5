import { describe, expect, it } from 'vitest';
import { ServerEventParser, type RawServerEvent } from './event-stream.js';

function parse(chunks: string[]): RawServerEvent[] {
  const seen: RawServerEvent[] = [];
  const parser = new ServerEventParser((event) => seen.push(event));
  for (const chunk of chunks) parser.push(chunk);
  return seen;
}

describe('ServerEventParser', () => {
  it('reads id, event and data, and ignores keep-alive comments', () => {
    expect(parse(['event: ready\ndata: {"lastId":0}\n\n: keep-alive\n\nid: 7\nevent: rollout.step\ndata: {"a":1}\n\n'])).toEqual([
      { id: null, event: 'ready', data: '{"lastId":0}' },
      { id: '7', event: 'rollout.step', data: '{"a":1}' },
    ]);
  });

  it('joins an event split across chunks, wherever the split falls', () => {
    const text = 'id: 12\nevent: run.succeeded\ndata: {"runId":"r1"}\n\n';
    for (let cut = 1; cut < text.length; cut++) {
      expect(parse([text.slice(0, cut), text.slice(cut)])).toEqual([{ id: '12', event: 'run.succeeded', data: '{"runId":"r1"}' }]);
    }
  });

  it('accepts CRLF line ends and multi-line data', () => {
    expect(parse(['data: one\r\ndata: two\r\n\r\n'])).toEqual([{ id: null, event: 'message', data: 'one\ntwo' }]);
  });

  it('emits nothing for an event whose blank line has not arrived', () => {
    expect(parse(['id: 3\nevent: stage.created\ndata: {}\n'])).toEqual([]);
  });
});
