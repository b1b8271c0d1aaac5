// The audit timeline, read-only: every recorded state change with who did it, what, to what, when, and
// the commit it concerns. The API has no route that changes or deletes an entry, and the store no query.

import type { Hono } from 'hono';
import type { EngineContext } from '../engine/index.js';
import { SluiceError } from '../errors/index.js';
import type { EventRecord } from '../store/index.js';
import { parseSince } from './time-span.js';

export interface AuditEntry {
  id: number;
  /** ISO 8601, UTC. */
  time: string;
  ts: number;
  actor: string;
  action: string;
  /** `app/stage/service`, `app/stage`, `token:NAME` or `profile:PROFILE/NAME`. */
  target: string;
  commit: string | null;
  app: string | null;
  stage: string | null;
  service: string | null;
  details: Record<string, unknown>;
}

const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 10_000;

export function registerAuditRoutes(api: Hono, engine: EngineContext): void {
  api.get('/api/audit', async (c) => {
    const since = c.req.query('since');
    const limit = Number(c.req.query('limit') ?? DEFAULT_LIMIT);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new SluiceError('INVALID_ARGUMENT', `limit must be a whole number from 1 to ${MAX_LIMIT}, got "${c.req.query('limit')}".`);
    }
    const events = await engine.store.listEvents({
      app: c.req.query('app') || undefined,
      stage: c.req.query('stage') || undefined,
      sinceTs: since ? parseSince(since, engine.now()) : undefined,
      limit,
    });
    return c.json({ entries: events.map(toAuditEntry) });
  });
}

export function toAuditEntry(event: EventRecord): AuditEntry {
  return {
    id: event.id,
    time: new Date(event.ts).toISOString(),
    ts: event.ts,
    actor: event.actor,
    action: event.type,
    target: targetOf(event),
    commit: event.commitSha ?? null,
    app: event.app,
    stage: event.stage,
    service: event.service,
    details: event.payload,
  };
}

function targetOf(event: EventRecord): string {
  if (event.app && event.stage) return [event.app, event.stage, event.service].filter(Boolean).join('/');
  const { token, profile, name } = event.payload as { token?: unknown; profile?: unknown; name?: unknown };
  if (typeof token === 'string') return `token:${token}`;
  if (typeof profile === 'string') return typeof name === 'string' ? `profile:${profile}/${name}` : `profile:${profile}`;
  return event.app ?? '-';
}
