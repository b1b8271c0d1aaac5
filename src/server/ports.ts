// What the HTTP API needs besides the engine: a way to reach the gateway's control endpoints.

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
  health(): Promise<{ ok: boolean; generation: number }>;
}
