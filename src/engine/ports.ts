// What the engine needs from the outside world, as small interfaces the composition fills in.

import type { SecretBox } from '../secrets/index.js';
import type { Store } from '../store/index.js';
import type { EventBus } from './event-bus.js';

/** Tells the serving side that routing changed, and resolves once the change is in effect. */
export interface RoutingNotifier {
  routingChanged(): Promise<void>;
}

/** Progress of long work, streamed to the CLI. */
export type ProgressListener = (event: ProgressEvent) => void;

export interface ProgressEvent {
  service?: string;
  phase: 'plan' | 'resolve' | 'publish' | 'route' | 'outputs' | 'done' | 'unchanged' | 'remove';
  message: string;
}

/** Runs a function version directly (hooks), through the gateway. */
export interface FunctionInvoker {
  invoke(request: { app: string; stage: string; service: string; function: string; versionId?: string; event?: unknown }): Promise<{
    result?: unknown;
    error?: { type: string; message: string };
  }>;
  /** Loads the handlers of versions about to receive traffic, so their first calls are not cold starts. */
  warm?(functions: Array<{ app: string; stage: string; service: string; function: string; versionId: string }>): Promise<void>;
}

/** Where the engine reports problems it works around (a notification that failed); the composition logs them. */
export interface EngineLog {
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface EngineContext {
  store: Store;
  invoker: FunctionInvoker;
  /** Live subscribers of recorded events; optional for tools that only deploy. */
  events?: EventBus;
  secrets: SecretBox;
  routing: RoutingNotifier;
  /** Public base URL of the gateway, e.g. http://127.0.0.1:4601. */
  gatewayUrl: string;
  /** Environment visible to `${env:…}` (the control plane's own). */
  env: Record<string, string | undefined>;
  region: string;
  now(): number;
  /** Structured logs of the control plane; nothing is logged without it. */
  log?: EngineLog;
}

export function serviceUrl(gatewayUrl: string, app: string, stage: string, service: string): string {
  return `${gatewayUrl.replace(/\/$/, '')}/${app}/${stage}/${service}`;
}

/** The service as one commit deployed it (a preview's commit alias); `sha` may be full or abbreviated to 7. */
export function commitServiceUrl(gatewayUrl: string, app: string, stage: string, sha: string, service: string): string {
  return `${gatewayUrl.replace(/\/$/, '')}/c/${sha.slice(0, 7).toLowerCase()}/${app}/${stage}/${service}`;
}
