// Runs a rollout hook and reduces its answer to succeeded/failed. Function hooks (preTraffic, postTraffic)
// run as versions of the service through the gateway and receive the new versions' identity plus a pinned
// way to call them; HTTP gates (confirm-promotion) get a body signed with HMAC-SHA256.

import { createHmac } from 'node:crypto';
import type { EngineContext } from './ports.js';
import { PIN_HEADER } from './rollout-routing.js';
import type { RolloutState } from './rollout/types.js';

export type HookName = 'preTraffic' | 'postTraffic' | 'confirmPromotion';

export interface HookOutcome {
  outcome: 'succeeded' | 'failed';
  reason?: string;
}

/** The secret (in the stage's profile) that signs HTTP gate bodies. */
export const HOOK_SIGNING_SECRET = 'HOOK_SIGNING_SECRET';

export async function runRolloutHook(ctx: EngineContext, state: RolloutState, hook: HookName, deadline: number): Promise<HookOutcome> {
  const spec = state.plan.hooks[hook];
  if (!spec) return { outcome: 'succeeded' };
  const payload = await hookPayload(ctx, state, hook);
  const remainingMs = Math.max(1, deadline - ctx.now());
  if (spec.url) return callGate(ctx, state, spec.url, payload, remainingMs);
  if (!spec.versionId) return { outcome: 'failed', reason: `${hook} hook has no published version` };
  const outcome = await ctx.invoker.invoke({ app: state.app, stage: state.stage, service: state.service, function: `hook-${hook}`, versionId: spec.versionId, event: payload });
  if (outcome.error) return { outcome: 'failed', reason: `${hook} hook threw ${outcome.error.type}: ${outcome.error.message}` };
  return interpretAnswer(hook, outcome.result);
}

async function hookPayload(ctx: EngineContext, state: RolloutState, hook: HookName): Promise<Record<string, unknown>> {
  const aliases = await ctx.store.listAliases(state.app, state.stage, state.service);
  const functions = await Promise.all(
    state.functions.map(async (fn) => {
      const version = await ctx.store.getVersion(fn.to);
      const pin = aliases.find((a) => a.function === fn.function && a.name === 'live')?.rules.match?.find((m) => m.header === PIN_HEADER && m.versionId === fn.to);
      return {
        function: fn.function,
        versionId: fn.to,
        version: version?.number ?? null,
        previousVersionId: fn.from,
        url: `${ctx.gatewayUrl}/${state.app}/${state.stage}/${state.service}`,
        headers: pin ? { [PIN_HEADER]: pin.value } : {},
      };
    }),
  );
  return { hook, deploymentId: state.deploymentId, rolloutId: state.id, app: state.app, stage: state.stage, service: state.service, weight: state.weight, functions };
}

function interpretAnswer(hook: HookName, result: unknown): HookOutcome {
  if (result && typeof result === 'object' && 'status' in result) {
    const { status, reason } = result as { status?: unknown; reason?: unknown };
    if (status === 'Failed') return { outcome: 'failed', reason: `${hook} hook failed: ${typeof reason === 'string' ? reason : 'no reason given'}` };
  }
  return { outcome: 'succeeded' };
}

async function callGate(ctx: EngineContext, state: RolloutState, url: string, payload: Record<string, unknown>, timeoutMs: number): Promise<HookOutcome> {
  const profile = (await ctx.store.getStage(state.app, state.stage))?.profile;
  const sealed = profile ? await ctx.store.getSecret(profile, HOOK_SIGNING_SECRET) : undefined;
  if (!sealed) {
    return { outcome: 'failed', reason: `confirm-promotion gate needs the secret ${HOOK_SIGNING_SECRET} in profile ${profile ?? '?'} to sign its body` };
  }
  const body = JSON.stringify(payload);
  const signature = createHmac('sha256', ctx.secrets.decrypt(sealed)).update(body).digest('hex');
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sluice-signature-256': `sha256=${signature}`, 'x-sluice-rollout': state.id },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) return { outcome: 'failed', reason: `confirm-promotion gate answered ${response.status}` };
    const answer = (await response.json().catch(() => ({}))) as unknown;
    return interpretAnswer('confirmPromotion', answer);
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    return { outcome: 'failed', reason: timedOut ? `confirm-promotion gate did not answer within ${timeoutMs} ms` : `confirm-promotion gate unreachable: ${(error as Error).message}` };
  }
}
