// How this control-plane process appears on its rollout leases, and how long they last. The holder name is
// the host and the data directory: a process restarted on the same home takes its rollouts back at once
// (its earlier self is fenced by the new token), while another home is another process, whose rollouts are
// taken over only once its lease expired. SLUICE_LEASE_MS shortens the lease period for tests and benches.

import { hostname } from 'node:os';
import { SluiceError } from '../errors/index.js';
import { DEFAULT_LEASE_MS } from '../engine/index.js';

export interface LeaseSettings {
  holder: string;
  leaseMs: number;
}

export function leaseSettings(home: string, env: Record<string, string | undefined>): LeaseSettings {
  const raw = env.SLUICE_LEASE_MS;
  const leaseMs = raw === undefined || raw === '' ? DEFAULT_LEASE_MS : Number(raw);
  if (!Number.isInteger(leaseMs) || leaseMs < 200) {
    throw new SluiceError('INVALID_ARGUMENT', `SLUICE_LEASE_MS must be a whole number of milliseconds, at least 200; got "${raw}".`, {
      hint: `Leave it unset for the default lease period of ${DEFAULT_LEASE_MS} ms.`,
    });
  }
  return { holder: `${hostname()}:${home}`, leaseMs };
}
