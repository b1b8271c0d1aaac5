// The operational parts of a control plane, wired in one place so control-plane.ts stays a list of parts:
// Prometheus metrics (fed by the event bus, with the gateway's text appended), master key rotation, and the
// master key check that /readyz reports (a control plane whose key opens none of the stored secrets is up,
// but not ready: every deploy or function using a secret would fail).

import type { EventBus } from '../engine/index.js';
import type { KeyRotation } from '../server/index.js';
import type { RotatingSecretBox } from '../secrets/index.js';
import type { Store } from '../store/index.js';
import type { GatewayHandle } from './gateway-handle.js';
import { masterKeyProblem, masterKeyRotation } from './key-rotation.js';
import type { Logger } from './logger.js';
import { createControlPlaneMetrics, type ControlPlaneMetrics } from './metrics-registry.js';

export interface Operations {
  metrics: ControlPlaneMetrics;
  keyRotation: KeyRotation;
  keyProblem(): string | undefined;
}

export interface OperationsContext {
  home: string;
  store: Store;
  box: RotatingSecretBox;
  keyFromEnvironment: boolean;
  gateway: GatewayHandle;
  events: EventBus;
  log: Logger;
  version: string;
}

export async function wireOperations(ctx: OperationsContext): Promise<Operations> {
  const metrics = createControlPlaneMetrics({
    events: ctx.events,
    store: ctx.store,
    gatewayMetrics: () => ctx.gateway.metrics(),
    version: ctx.version,
    dialect: ctx.store.dialect,
  });
  let problem = await masterKeyProblem(ctx.store, ctx.box);
  if (problem) ctx.log.error({ keyId: ctx.box.keyId }, problem);
  const rotation = masterKeyRotation({ ...ctx, gateway: ctx.gateway });
  const keyRotation: KeyRotation = {
    sealing: rotation.sealing,
    async rotate(request) {
      const result = await rotation.rotate(request);
      problem = await masterKeyProblem(ctx.store, ctx.box);
      return result;
    },
  };
  return { metrics, keyRotation, keyProblem: () => problem };
}
