// The one protocol between the gateway (host) and a function worker, as discriminated unions.
// Both sides post arrays of messages: everything queued during one turn of the event loop goes in a single
// postMessage, because the per-message cost of crossing threads, not the handler, bounds a hello handler's
// throughput; for the same reason the hot messages cross as tuples (see "on the wire" below). The HTTP
// request crosses raw (rawHeaders, body bytes) and the worker builds the API Gateway event and validates the
// response itself, which moves that work off the gateway's thread.

/** What the worker needs to know about itself; passed as workerData. */
export interface WorkerSpec {
  /** file: URL of the handler bundle (ESM). */
  moduleUrl: string;
  handlerExport: string;
  app: string;
  stage: string;
  service: string;
  function: string;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: number;
  logGroupName: string;
  logStreamName: string;
}

/** An error as it crosses the boundary (and is reported by `/_sluice/invoke`). */
export interface ErrorInfo {
  type: string;
  message: string;
  stack?: string;
}

/** The parts of an HTTP request the worker turns into an API Gateway HTTP API v2.0 event. */
export interface HttpRequestPayload {
  kind: 'http';
  method: string;
  /** Service-relative path, still percent-encoded, without the query string. */
  rawPath: string;
  rawQueryString: string;
  /** Node's rawHeaders: name, value, name, value… */
  rawHeaders: string[];
  body: Uint8Array | null;
  routeKey: string;
  pathParameters: Record<string, string> | null;
  sourceIp: string;
  protocol: string;
  timeEpoch: number;
}

/** A direct (`/_sluice/invoke`) or scheduled invocation: the event is passed as is. */
export interface EventPayload {
  kind: 'event';
  event: unknown;
}

export interface Invocation {
  /** Host-local correlation number. */
  id: number;
  requestId: string;
  /** Epoch ms after which the host answers 504 on its own. */
  deadline: number;
  payload: HttpRequestPayload | EventPayload;
}

export type TableOperation =
  | { op: 'get'; table: string; key: string }
  | { op: 'put'; table: string; item: unknown }
  | { op: 'delete'; table: string; key: string }
  | { op: 'query'; table: string; prefix: string; limit?: number };

export type HostMessage =
  | { type: 'invoke'; invocation: Invocation }
  | { type: 'table-result'; callId: number; ok: true; value: unknown }
  | { type: 'table-result'; callId: number; ok: false; error: ErrorInfo };

/** Outcome of one invocation as the worker reports it. */
export type WorkerOutcome =
  /** An HTTP response, validated and flattened for `res.writeHead`. */
  | { kind: 'http-response'; statusCode: number; headers: string[]; body: string | Uint8Array }
  /** The handler's result as Lambda would serialize it (JSON text), for event invocations. */
  | { kind: 'result'; json: string }
  /** The handler threw, rejected or called back with an error. */
  | { kind: 'handler-error'; error: ErrorInfo }
  /** The handler returned something API Gateway could not turn into a response. */
  | { kind: 'malformed'; message: string };

export type LogLevel = 'log' | 'info' | 'warn' | 'error' | 'debug' | 'system';

export interface LogLine {
  ts: number;
  /** Empty for output written outside any invocation (module initialisation, stray timers). */
  requestId: string;
  /** The invocation that wrote it (Invocation.id), when written inside one: the host tells by it whether that invocation is still open. */
  invocation?: number;
  level: LogLevel;
  message: string;
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'init-failed'; error: ErrorInfo }
  | { type: 'result'; id: number; outcome: WorkerOutcome }
  | { type: 'log'; line: LogLine }
  | { type: 'table-call'; callId: number; operation: TableOperation }
  /** A child process a handler started, killed by the host when this worker goes (a thread cannot clean up after itself). */
  | { type: 'child-process'; pid: number; running: boolean }
  /** An uncaught exception or unhandled rejection: the worker asks to be retired. */
  | { type: 'fault'; error: ErrorInfo };

// ---- on the wire ------------------------------------------------------------------------------------
// The two messages of every HTTP request cross as tuples of primitives; every other message crosses as the
// object above. Structured clone writes each property name of each object it copies and the receiver
// rebuilds every object key by key: as tuples, an invocation and its response cost both threads together
// about 2.5 µs less per request (serialize + deserialize, measured on Node 20).

/** An `invoke` message whose payload is an HTTP request. */
export type HttpInvokeFrame = [
  id: number,
  requestId: string,
  deadline: number,
  method: string,
  rawPath: string,
  rawQueryString: string,
  rawHeaders: string[],
  body: Uint8Array | null,
  routeKey: string,
  pathParameters: Record<string, string> | null,
  sourceIp: string,
  protocol: string,
  timeEpoch: number,
];

/** A `result` message whose outcome is an HTTP response. */
export type HttpResponseFrame = [id: number, statusCode: number, headers: string[], body: string | Uint8Array];

export type HostWireMessage = HostMessage | HttpInvokeFrame;
export type WorkerWireMessage = WorkerMessage | HttpResponseFrame;

export function toHostWire(message: HostMessage): HostWireMessage {
  if (message.type !== 'invoke' || message.invocation.payload.kind !== 'http') return message;
  const { id, requestId, deadline, payload: p } = message.invocation;
  return [id, requestId, deadline, p.method, p.rawPath, p.rawQueryString, p.rawHeaders, p.body, p.routeKey, p.pathParameters, p.sourceIp, p.protocol, p.timeEpoch];
}

export function fromHostWire(wire: HostWireMessage): HostMessage {
  if (!Array.isArray(wire)) return wire;
  const [id, requestId, deadline, method, rawPath, rawQueryString, rawHeaders, body, routeKey, pathParameters, sourceIp, protocol, timeEpoch] = wire;
  const payload: HttpRequestPayload = { kind: 'http', method, rawPath, rawQueryString, rawHeaders, body, routeKey, pathParameters, sourceIp, protocol, timeEpoch };
  return { type: 'invoke', invocation: { id, requestId, deadline, payload } };
}

export function toWorkerWire(message: WorkerMessage): WorkerWireMessage {
  if (message.type !== 'result' || message.outcome.kind !== 'http-response') return message;
  const { statusCode, headers, body } = message.outcome;
  return [message.id, statusCode, headers, body];
}

export function fromWorkerWire(wire: WorkerWireMessage): WorkerMessage {
  if (!Array.isArray(wire)) return wire;
  const [id, statusCode, headers, body] = wire;
  return { type: 'result', id, outcome: { kind: 'http-response', statusCode, headers, body } };
}

/** Turns anything thrown into an ErrorInfo. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof Error) {
    const info: ErrorInfo = { type: error.name || 'Error', message: error.message };
    if (error.stack) info.stack = error.stack;
    return info;
  }
  if (typeof error === 'string') return { type: 'Error', message: error };
  let message: string;
  try {
    message = JSON.stringify(error) ?? String(error);
  } catch {
    message = String(error);
  }
  return { type: 'Error', message };
}
