// Scheduled runs claimed through the database, so that with several gateways (one per control-plane
// process) each run of a schedule is invoked once: every gateway fires at the same scheduled times, and the
// one whose insert lands runs it. The others' `on conflict do nothing` inserts nothing.

import type { ScheduleTickClaim } from './types.js';
import { type StoreContext, affected } from './store-context.js';

/** How long claimed runs are kept (for the record), pruned as newer runs of the same schedule are claimed. */
const KEEP_MS = 24 * 60 * 60 * 1000;

export async function claimScheduleTick(ctx: StoreContext, tick: ScheduleTickClaim): Promise<boolean> {
  const key = { app: tick.app, stage: tick.stage, service: tick.service, function: tick.function, schedule: tick.schedule };
  const result = await ctx.db.insertInto('schedule_ticks')
    .values({ ...key, scheduled_at: tick.scheduledAt, holder: tick.holder, claimed_at: ctx.now() })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  const won = affected(result) === 1;
  if (won) {
    await ctx.db.deleteFrom('schedule_ticks')
      .where('app', '=', key.app).where('stage', '=', key.stage).where('service', '=', key.service)
      .where('function', '=', key.function).where('schedule', '=', key.schedule)
      .where('scheduled_at', '<', tick.scheduledAt - KEEP_MS)
      .execute();
  }
  return won;
}
