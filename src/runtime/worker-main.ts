// Entry of a function worker thread: loads one handler bundle and runs the invocations the gateway sends,
// several at a time. Plain JS at run time (compiled by tsc into dist/runtime/worker-main.js; see
// worker-file.ts). Console output is captured per invocation, the table bridge for `sluice/tables` is
// installed on globalThis, and the few process-wide operations a worker thread could still reach
// (process.abort, killing its own process) are turned into ends of this worker only.

import { ChildProcess } from 'node:child_process';
import { parentPort, workerData } from 'node:worker_threads';
import { installConsoleCapture, invocationScope } from './console-capture.js';
import { buildHttpEvent } from './http-event.js';
import { toHttpResponse } from './http-response.js';
import { runLambdaHandler, type HandlerSettlement, type LambdaHandler } from './lambda-invocation.js';
import type { SluiceRuntimeBridge } from './tables-client.js';
import { fromHostWire, toErrorInfo, toWorkerWire, type HostWireMessage, type Invocation, type TableOperation, type WorkerMessage, type WorkerOutcome, type WorkerSpec, type WorkerWireMessage } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('worker-main.js runs only as a worker thread started by the Sluice gateway');
const spec = workerData as WorkerSpec;
const apiId = `${spec.app}-${spec.stage}-${spec.service}`;

// Outgoing messages of one event-loop turn travel in one postMessage.
let outbox: WorkerWireMessage[] = [];
let flushScheduled = false;
function flush(): void {
  flushScheduled = false;
  const batch = outbox;
  outbox = [];
  try {
    port!.postMessage(batch);
  } catch {
    // One message could not be cloned: send the others, and turn a failed result into an error.
    for (const message of batch) {
      try {
        port!.postMessage([message]);
      } catch (error) {
        const id = Array.isArray(message) ? message[0] : message.type === 'result' ? message.id : undefined;
        if (id !== undefined) {
          const outcome: WorkerOutcome = { kind: 'handler-error', error: { type: 'Runtime.MarshalError', message: `Unable to send the result: ${toErrorInfo(error).message}` } };
          port!.postMessage([{ type: 'result', id, outcome }]);
        }
      }
    }
  }
}
function send(message: WorkerMessage): void {
  outbox.push(toWorkerWire(message));
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}

installConsoleCapture((scope, level, message) => send({ type: 'log', line: { ts: Date.now(), requestId: scope?.requestId ?? '', invocation: scope?.id, level, message } }));

process.abort = (() => process.exit(134)) as typeof process.abort;
const realKill = process.kill.bind(process);
process.kill = ((pid: number, signal?: string | number) => {
  if (pid === process.pid || pid === 0 || pid === -process.pid) {
    throw Object.assign(new Error('A function cannot signal the Sluice gateway process'), { code: 'EPERM' });
  }
  return realKill(pid, signal);
}) as typeof process.kill;

// Every child_process function goes through ChildProcess.prototype.spawn: report the pids so the host can
// kill what is still running when it terminates this worker.
const childProcessPrototype = ChildProcess.prototype as unknown as { spawn(this: ChildProcess, ...args: unknown[]): unknown };
const realSpawn = childProcessPrototype.spawn;
childProcessPrototype.spawn = function (this: ChildProcess, ...args: unknown[]) {
  const result = realSpawn.apply(this, args);
  const pid = this.pid;
  if (pid !== undefined) {
    send({ type: 'child-process', pid, running: true });
    this.once('exit', () => send({ type: 'child-process', pid, running: false }));
  }
  return result;
};

// The bridge that `sluice/tables` reaches through globalThis.
let nextCallId = 1;
const tableCalls = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
const bridge: SluiceRuntimeBridge = {
  table(operation: TableOperation): Promise<unknown> {
    const callId = nextCallId++;
    // Items are JSON documents: what JSON cannot carry (functions, undefined, class instances) is dropped here.
    if (operation.op === 'put') operation = { ...operation, item: JSON.parse(JSON.stringify(operation.item)) as unknown };
    return new Promise((resolve, reject) => {
      tableCalls.set(callId, { resolve, reject });
      send({ type: 'table-call', callId, operation });
    });
  },
};
(globalThis as Record<symbol, unknown>)[Symbol.for('sluice.runtime')] = bridge;

process.on('uncaughtException', (error) => reportFault(error));
process.on('unhandledRejection', (reason) => reportFault(reason));
function reportFault(error: unknown): void {
  const info = toErrorInfo(error);
  const scope = invocationScope.getStore();
  send({ type: 'log', line: { ts: Date.now(), requestId: scope?.requestId ?? '', invocation: scope?.id, level: 'error', message: `Uncaught ${info.type}: ${info.stack ?? info.message}` } });
  send({ type: 'fault', error: info });
}

let handler: LambdaHandler | undefined;
let waiting: Invocation[] | undefined = [];

function outcomeOf(invocation: Invocation, settlement: HandlerSettlement): WorkerOutcome {
  if (!settlement.ok) {
    const error = toErrorInfo(settlement.error);
    const logged = JSON.stringify({ errorType: error.type, errorMessage: error.message, stack: error.stack?.split('\n') ?? [] });
    send({ type: 'log', line: { ts: Date.now(), requestId: invocation.requestId, invocation: invocation.id, level: 'error', message: `Invoke Error ${logged}` } });
    return { kind: 'handler-error', error };
  }
  try {
    if (invocation.payload.kind === 'http') return toHttpResponse(settlement.result);
    return { kind: 'result', json: JSON.stringify(settlement.result === undefined ? null : settlement.result) ?? 'null' };
  } catch (error) {
    const info = toErrorInfo(error);
    return invocation.payload.kind === 'http'
      ? { kind: 'malformed', message: `The result cannot be serialized: ${info.message}` }
      : { kind: 'handler-error', error: { type: 'Runtime.MarshalError', message: `Unable to marshal response: ${info.message}` } };
  }
}

function start(invocation: Invocation, fn: LambdaHandler): void {
  const { payload, requestId } = invocation;
  invocationScope.run({ requestId, id: invocation.id }, () => {
    let event: unknown;
    try {
      event =
        payload.kind === 'http'
          ? buildHttpEvent(payload, { requestId, stage: spec.stage, apiId })
          : payload.event;
    } catch (error) {
      send({ type: 'result', id: invocation.id, outcome: { kind: 'malformed', message: `The request could not be turned into an event: ${toErrorInfo(error).message}` } });
      return;
    }
    runLambdaHandler(fn, event, spec, requestId, invocation.deadline, (settlement) => {
      send({ type: 'result', id: invocation.id, outcome: outcomeOf(invocation, settlement) });
    });
  });
}

port.on('message', (messages: HostWireMessage[]) => {
  for (const wire of messages) {
    const message = fromHostWire(wire);
    if (message.type === 'invoke') {
      if (handler === undefined) waiting?.push(message.invocation);
      else start(message.invocation, handler);
    } else {
      const call = tableCalls.get(message.callId);
      if (call === undefined) continue;
      tableCalls.delete(message.callId);
      if (message.ok) call.resolve(message.value);
      else call.reject(Object.assign(new Error(message.error.message), { name: message.error.type }));
    }
  }
});

try {
  const module = (await import(spec.moduleUrl)) as Record<string, unknown>;
  const exported = module[spec.handlerExport] ?? (module.default as Record<string, unknown> | undefined)?.[spec.handlerExport];
  if (typeof exported !== 'function') {
    const names = Object.keys(module).join(', ') || 'none';
    throw Object.assign(new Error(`The bundle does not export a function named "${spec.handlerExport}" (exports: ${names}).`), { name: 'Runtime.HandlerNotFound' });
  }
  handler = exported as LambdaHandler;
  send({ type: 'ready' });
  const queued = waiting ?? [];
  waiting = undefined;
  for (const invocation of queued) start(invocation, handler);
} catch (error) {
  const info = toErrorInfo(error);
  if (info.type === 'Error') info.type = 'Runtime.ImportModuleError';
  send({ type: 'log', line: { ts: Date.now(), requestId: '', level: 'error', message: `Init Error ${info.stack ?? info.message}` } });
  send({ type: 'init-failed', error: info });
}
