// Notification webhooks: every rollout transition at or above a target's severity is POSTed to it as JSON,
// signed with HMAC-SHA256 by a secret of the stage's profile (header x-sluice-signature-256), so the
// receiver can trust it. Delivery is best effort with a short timeout: a slow receiver never holds a rollout.

import { createHmac } from 'node:crypto';
import type { EventRecord } from '../store/index.js';
import type { EngineContext } from './ports.js';
import type { RolloutState, Severity } from './rollout/types.js';

const RANK: Record<Severity, number> = { debug: 0, info: 1, warning: 2, critical: 3 };
const TIMEOUT_MS = 5000;

export async function notifyWebhooks(ctx: EngineContext, state: RolloutState, event: EventRecord, severity: Severity): Promise<void> {
  const targets = (state.plan.notifications ?? []).filter((t) => RANK[severity] >= RANK[t.severity]);
  if (targets.length === 0) return;
  const profile = (await ctx.store.getStage(state.app, state.stage))?.profile;
  const body = JSON.stringify({ ...event, severity });
  await Promise.all(
    targets.map(async (target) => {
      const sealed = profile ? await ctx.store.getSecret(profile, target.secret) : undefined;
      if (!sealed) {
        ctx.log?.warn({ url: target.url, secret: target.secret, profile: profile ?? null, event: event.type }, 'notification skipped: its signing secret is not set in the profile');
        return;
      }
      const signature = createHmac('sha256', ctx.secrets.decrypt(sealed)).update(body).digest('hex');
      try {
        await fetch(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-sluice-signature-256': `sha256=${signature}`, 'x-sluice-event': event.type, 'x-sluice-severity': severity },
          body,
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
      } catch (error) {
        ctx.log?.warn({ url: target.url, event: event.type, reason: (error as Error).message }, 'notification failed');
      }
    }),
  );
}
