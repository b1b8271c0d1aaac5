// API routes for rollouts and rollbacks: read a service's rollout, steer it (promote, pause, resume, abort),
// roll back to earlier versions, and follow every event live as server-sent events.

import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { currentRollout, rollbackService, type EngineContext, type RolloutDriver } from '../engine/index.js';
import type { RolloutEvent } from '../engine/rollout/types.js';
import { SluiceError } from '../errors/index.js';
import type { EventRecord } from '../store/index.js';
import { actorOf } from './caller-identity.js';
import { parseBody } from './request-body.js';

export function registerRolloutRoutes(api: Hono, engine: EngineContext, driver: RolloutDriver): void {
  const { store } = engine;

  api.get('/api/apps/:app/stages/:stage/rollouts', async (c) => {
    const { app, stage } = c.req.param();
    const limit = Number(c.req.query('limit') ?? 20);
    return c.json({ rollouts: await store.listRollouts({ app, stage, service: c.req.query('service') || undefined, limit }) });
  });

  api.get('/api/apps/:app/stages/:stage/rollouts/:service', async (c) => {
    const { app, stage, service } = c.req.param();
    return c.json({ rollout: await currentRollout(store, app, stage, service) });
  });

  const control = z.object({ full: z.boolean().optional(), reason: z.string().max(500).optional(), actor: z.string().max(200).optional() });
  for (const command of ['promote', 'pause', 'resume', 'abort'] as const) {
    api.post(`/api/apps/:app/stages/:stage/rollouts/:service/${command}`, async (c) => {
      const { app, stage, service } = c.req.param();
      const body = await parseBody(c, control);
      const rollout = await store.findActiveRollout(app, stage, service);
      if (!rollout) {
        throw new SluiceError('NOT_FOUND', `No rollout of ${service} is in progress in stage ${stage}.`, { hint: '`sluice rollout status` shows the last one.' });
      }
      const actor = actorOf(c, body.actor);
      const event: RolloutEvent =
        command === 'promote' ? { type: 'promote', full: body.full ?? false, actor } : command === 'abort' ? { type: 'abort', actor, reason: body.reason } : { type: command, actor };
      await driver.dispatch(rollout.id, event);
      return c.json({ rollout: await store.getRollout(rollout.id) });
    });
  }

  api.post('/api/apps/:app/stages/:stage/rollback', async (c) => {
    const { app, stage } = c.req.param();
    const body = await parseBody(c, z.object({ service: z.string(), to: z.string().max(100).optional(), actor: z.string().max(200).optional() }));
    return c.json(await rollbackService(engine, { app, stage, service: body.service, to: body.to, actor: actorOf(c, body.actor) }));
  });

  // Every recorded event, live. `Last-Event-ID` (or ?after=) replays what was missed from the store first.
  api.get('/api/events', (c) => {
    const filter = { app: c.req.query('app') || undefined, stage: c.req.query('stage') || undefined, service: c.req.query('service') || undefined };
    const after = Number(c.req.header('last-event-id') ?? c.req.query('after') ?? NaN);
    const matches = (e: EventRecord) => (!filter.app || e.app === filter.app) && (!filter.stage || e.stage === filter.stage) && (!filter.service || e.service === filter.service);
    return streamSSE(c, async (stream) => {
      const pending: EventRecord[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = engine.events?.subscribe((event) => {
        if (!matches(event)) return;
        pending.push(event);
        wake?.();
      });
      let closed = false;
      stream.onAbort(() => {
        closed = true;
        wake?.();
      });
      try {
        let lastId = Number.isFinite(after) ? after : 0;
        if (Number.isFinite(after)) {
          for (const event of (await store.listEvents({ afterId: after, app: filter.app, stage: filter.stage, limit: 1000 })).filter(matches)) {
            await stream.writeSSE({ id: String(event.id), event: event.type, data: JSON.stringify(event) });
            lastId = event.id;
          }
        }
        await stream.writeSSE({ event: 'ready', data: JSON.stringify({ lastId }) });
        while (!closed) {
          if (pending.length === 0) {
            await new Promise<void>((resolve) => {
              wake = resolve;
              setTimeout(resolve, 15_000).unref();
            });
            wake = undefined;
            if (pending.length === 0 && !closed) await stream.write(': keep-alive\n\n');
            continue;
          }
          const event = pending.shift()!;
          if (event.id < 0) {
            // Live-only (not stored) events carry no id, so a reconnect does not skip stored ones.
            await stream.writeSSE({ event: event.type, data: JSON.stringify(event) });
            continue;
          }
          if (event.id <= lastId) continue;
          lastId = event.id;
          await stream.writeSSE({ id: String(event.id), event: event.type, data: JSON.stringify(event) });
        }
      } finally {
        unsubscribe?.();
      }
    });
  });
}
