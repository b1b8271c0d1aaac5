// How an invocation ended, in the words each audience needs: the metrics kind, the system log line, and the
// `aws lambda invoke`-style result of a direct invocation (Lambda's own error types and wording).

import type { FunctionConfig } from '../store/types.js';
import type { InvocationOutcome } from './function-worker.js';
import type { InvocationResultKind } from './metrics-recorder.js';
import type { FunctionDeployment, VersionTarget } from './route-table.js';

/** What the gateway reports for an invocation, including its own refusals. */
export type RuntimeOutcome = InvocationOutcome | { kind: 'throttled' };

export interface InvokeResult {
  requestId: string;
  versionId: string;
  versionNumber: number;
  durationMs: number;
  /** The handler's result as JSON would carry it. */
  result?: unknown;
  error?: { type: string; message: string };
}

export function resultKind(outcome: RuntimeOutcome): InvocationResultKind {
  switch (outcome.kind) {
    case 'throttled':
      return 'throttle';
    case 'http-response':
    case 'result':
      return 'success';
    default:
      return 'error';
  }
}

/** The gateway's own log line about an outcome the handler could not log itself; undefined when none. */
export function outcomeLogLine(outcome: InvocationOutcome, config: FunctionConfig): string | undefined {
  switch (outcome.kind) {
    case 'timeout':
      return timeoutMessage(config.timeout * 1000);
    case 'crashed':
      return `${outcome.error.type}: ${outcome.error.message}`;
    case 'malformed':
      return `Invalid response for API Gateway: ${outcome.message}`;
    default:
      return undefined;
  }
}

export function invokeResult(outcome: RuntimeOutcome, requestId: string, deployment: FunctionDeployment, target: VersionTarget, durationMs: number): InvokeResult {
  const result: InvokeResult = { requestId, versionId: target.version.id, versionNumber: target.version.number, durationMs };
  switch (outcome.kind) {
    case 'result':
      result.result = JSON.parse(outcome.json);
      break;
    case 'handler-error':
    case 'crashed':
      result.error = { type: outcome.error.type, message: outcome.error.message };
      break;
    case 'timeout':
      result.error = { type: 'Sandbox.Timedout', message: timeoutMessage(outcome.timeoutMs) };
      break;
    case 'throttled':
      result.error = { type: 'TooManyRequestsException', message: `Rate exceeded: ${deployment.function} already runs ${target.version.config.concurrency} invocations (its concurrency).` };
      break;
    case 'malformed':
      result.error = { type: 'Runtime.InvalidResponse', message: outcome.message };
      break;
    case 'http-response':
      result.result = null;
      break;
  }
  return result;
}

/** Lambda's own wording: `Task timed out after 6.00 seconds`. */
export function timeoutMessage(timeoutMs: number): string {
  return `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`;
}
