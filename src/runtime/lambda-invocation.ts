// Calls a handler under the AWS Lambda Node.js contract: the Lambda `context`, async handlers, callback
// handlers `(event, context, callback)` and the legacy `context.succeed/fail/done`. Runs inside the worker.
//
// Differences from Lambda, on purpose:
// - several invocations may share one worker (see worker-pool.ts), so module-level state is shared too;
// - `callbackWaitsForEmptyEventLoop` is accepted but the result is sent as soon as the callback is called:
//   an event loop shared by concurrent invocations is never "empty" for one of them;
// - a non-async handler that returns a value (not undefined) has that value as its result, where Lambda
//   would ignore it and return null.

import type { WorkerSpec } from './worker-protocol.js';

export interface LambdaContext {
  awsRequestId: string;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  logGroupName: string;
  logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
  done(error?: unknown, result?: unknown): void;
  succeed(result?: unknown): void;
  fail(error?: unknown): void;
}

export type LambdaCallback = (error?: unknown, result?: unknown) => void;
export type LambdaHandler = (event: unknown, context: LambdaContext, callback: LambdaCallback) => unknown;

export type HandlerSettlement = { ok: true; result: unknown } | { ok: false; error: unknown };

/** Runs the handler; `settle` is called exactly once with whichever way the handler finished first. */
export function runLambdaHandler(
  handler: LambdaHandler,
  event: unknown,
  spec: WorkerSpec,
  requestId: string,
  deadline: number,
  settle: (settlement: HandlerSettlement) => void,
): void {
  let settled = false;
  const finish = (settlement: HandlerSettlement) => {
    if (settled) return;
    settled = true;
    settle(settlement);
  };
  const callback: LambdaCallback = (error, result) => {
    if (error !== undefined && error !== null) finish({ ok: false, error });
    else finish({ ok: true, result });
  };
  const context: LambdaContext = {
    awsRequestId: requestId,
    functionName: spec.functionName,
    functionVersion: spec.functionVersion,
    invokedFunctionArn: spec.invokedFunctionArn,
    memoryLimitInMB: String(spec.memoryLimitInMB),
    logGroupName: spec.logGroupName,
    logStreamName: spec.logStreamName,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: callback,
    succeed: (result) => finish({ ok: true, result }),
    fail: (error) => finish({ ok: false, error: error ?? new Error('context.fail() called') }),
  };

  let returned: unknown;
  try {
    returned = handler(event, context, callback);
  } catch (error) {
    finish({ ok: false, error });
    return;
  }
  if (returned !== null && typeof returned === 'object' && typeof (returned as { then?: unknown }).then === 'function') {
    (returned as PromiseLike<unknown>).then(
      (result) => finish({ ok: true, result }),
      (error: unknown) => finish({ ok: false, error: error ?? new Error('The handler rejected with no reason') }),
    );
    return;
  }
  if (returned !== undefined) {
    finish({ ok: true, result: returned });
    return;
  }
  // A sync handler that returned nothing and declares no callback is done (Lambda would answer null once
  // the event loop drains); one that declares a callback is waited for.
  if (handler.length < 3) setImmediate(() => finish({ ok: true, result: null }));
}
