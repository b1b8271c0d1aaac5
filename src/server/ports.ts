// What the HTTP API needs besides the engine: a way to reach the gateway's control endpoints, and the
// operational ports the composition fills in (metrics, logs, master key rotation).

export interface InvokeRequest {
  app: string;
  stage: string;
  service: string;
  function: string;
  /** Run this exact version (hooks) instead of the live alias. */
  versionId?: string;
  event?: unknown;
}

export interface InvokeOutcome {
  requestId: string;
  versionId: string;
  versionNumber: number;
  durationMs: number;
  result?: unknown;
  error?: { type: string; message: string };
}

export interface GatewayControl {
  readonly url: string;
  invoke(request: InvokeRequest): Promise<InvokeOutcome>;
  /** keyId: fingerprint of the master key the gateway decrypts with. */
  health(): Promise<{ ok: boolean; generation: number; keyId?: string }>;
  /** The gateway's Prometheus text (GET /_sluice/metrics), appended to the control plane's /metrics. */
  metrics?(): Promise<string>;
}

/** What GET /metrics serves: the control plane's registry, with the gateway's text appended. */
export interface MetricsExposition {
  readonly contentType: string;
  render(): Promise<string>;
}

/** Structured logs of the API (the composition fills it with pino). */
export interface ServerLog {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** How the API learns of a finished deploy, for the deploy counters of /metrics. */
export type DeployObserver = (outcome: 'changed' | 'unchanged' | 'failed', durationMs: number) => void;

export interface KeyRotationRequest {
  /** The new key (64 hex characters or base64 of 32 bytes); generated when absent. Required when the key comes from SLUICE_MASTER_KEY. */
  key?: string;
  /** Leave values the current key does not open as they are, instead of refusing. */
  skipUnreadable?: boolean;
  actor: string;
}

export interface KeyRotationResult {
  previousKeyId: string;
  keyId: string;
  secrets: number;
  versionValues: number;
  unreadable: number;
  /** Where the new key was written; null when it comes from SLUICE_MASTER_KEY (set it there). */
  keyFile: string | null;
  /** Whether the gateway process took the new key (otherwise restart `sluice up`). */
  gatewayUpdated: boolean;
}

/** `sluice secrets rotate-key`, done by the composition (key file, store, gateway). */
export interface KeyRotation {
  rotate(request: KeyRotationRequest): Promise<KeyRotationResult>;
  /** Runs work that seals values with the master key (a deploy, a secret change) so no rotation runs under it. */
  sealing<T>(work: () => Promise<T>): Promise<T>;
}
