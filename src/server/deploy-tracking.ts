// Runs a deploy of the API so that a master key rotation never runs under it (a deploy seals secret
// values with the key), and reports its outcome and duration for the deploy counters of /metrics.

import type { DeployResult } from '../engine/index.js';
import type { DeployObserver, KeyRotation } from './ports.js';

export async function trackedDeploy(ports: { keyRotation?: KeyRotation; onDeploy?: DeployObserver }, deploy: () => Promise<DeployResult>): Promise<DeployResult> {
  const started = performance.now();
  try {
    const result = await (ports.keyRotation ? ports.keyRotation.sealing(deploy) : deploy());
    ports.onDeploy?.(result.changed ? 'changed' : 'unchanged', performance.now() - started);
    return result;
  } catch (error) {
    ports.onDeploy?.('failed', performance.now() - started);
    throw error;
  }
}
