import { describe, expect, it } from 'vitest';
import { fromHostWire, fromWorkerWire, toHostWire, toWorkerWire, type HostMessage, type WorkerMessage } from './worker-protocol.js';

describe('worker protocol on the wire', () => {
  it('carries an HTTP invocation as a tuple and gives it back whole', () => {
    const message: HostMessage = {
      type: 'invoke',
      invocation: {
        id: 7,
        requestId: 'req-7',
        deadline: 123,
        payload: {
          kind: 'http',
          method: 'POST',
          rawPath: '/items/a%20b',
          rawQueryString: 'x=1',
          rawHeaders: ['Host', 'h', 'Content-Type', 'text/plain'],
          body: new Uint8Array([104, 105]),
          routeKey: 'POST /items/{id}',
          pathParameters: { id: 'a%20b' },
          sourceIp: '10.0.0.1',
          protocol: 'HTTP/1.1',
          timeEpoch: 456,
        },
      },
    };
    const wire = toHostWire(message);
    expect(Array.isArray(wire)).toBe(true);
    expect(fromHostWire(structuredClone(wire))).toEqual(message);
  });

  it('carries an HTTP response as a tuple, and every other message as it is', () => {
    const response: WorkerMessage = { type: 'result', id: 3, outcome: { kind: 'http-response', statusCode: 201, headers: ['content-length', '2'], body: 'ok' } };
    expect(Array.isArray(toWorkerWire(response))).toBe(true);
    expect(fromWorkerWire(structuredClone(toWorkerWire(response)))).toEqual(response);

    const others: WorkerMessage[] = [
      { type: 'result', id: 4, outcome: { kind: 'result', json: '{}' } },
      { type: 'result', id: 5, outcome: { kind: 'handler-error', error: { type: 'Error', message: 'boom' } } },
      { type: 'log', line: { ts: 1, requestId: 'r', invocation: 4, level: 'log', message: 'hi' } },
      { type: 'ready' },
    ];
    for (const message of others) expect(toWorkerWire(message)).toBe(message);
    const event: HostMessage = { type: 'invoke', invocation: { id: 1, requestId: 'r', deadline: 0, payload: { kind: 'event', event: { a: 1 } } } };
    expect(toHostWire(event)).toBe(event);
    expect(fromHostWire(event)).toBe(event);
  });
});
