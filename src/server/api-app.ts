// The control-plane HTTP API. Every CLI command goes through these routes; they validate their input once
// with zod and hand the work to the engine. Errors come back as `{ error: { code, message, hint } }`.

import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { stream } from 'hono/streaming';
import { z } from 'zod';
import { deployApp, findFunction, recordEvent, removeStage, stageInfo, type EngineContext, type ProgressEvent, type RolloutDriver } from '../engine/index.js';
import { SluiceError } from '../errors/index.js';
import { accessControl } from './access-control.js';
import { registerAuditRoutes } from './audit-routes.js';
import { actorOf } from './caller-identity.js';
import { registerTokenRoutes } from './token-routes.js';
import { errorResponse, toSluiceError } from './error-response.js';
import { parseBody } from './request-body.js';
import { registerRolloutRoutes } from './rollout-routes.js';
import { registerPipelineHooks, registerPipelineRoutes } from './pipeline-routes.js';
import type { Pipeline } from '../pipeline/index.js';
import type { DeployObserver, GatewayControl, KeyRotation, MetricsExposition, ServerLog } from './ports.js';
import { trackedDeploy } from './deploy-tracking.js';
import { registerHealthRoutes } from './health-routes.js';
import { maskedLogEntries } from './log-masking.js';
import { requestLog } from './request-log.js';
import { registerSecretKeyRoutes } from './secret-key-routes.js';
import { registerDashboardRoutes } from './dashboard-routes.js';
import { registerStaticDashboard } from './static-dashboard.js';

export interface ApiDependencies {
  engine: EngineContext;
  rollouts: RolloutDriver;
  gateway: GatewayControl;
  /** SLUICE_TOKEN given to `sluice up`: a bootstrap admin token. */
  token?: string;
  /** Whether the API listens on loopback only: then, until a token exists, the local user is admin. */
  loopback: boolean;
  version: string;
  /** Operations (health-routes.ts, secret-key-routes.ts); each is optional for tests that build a bare API. */
  log?: ServerLog;
  metrics?: MetricsExposition;
  keyRotation?: KeyRotation;
  onDeploy?: DeployObserver;
  /** Why the master key does not open the stored secrets, for /readyz. */
  keyProblem?: () => string | undefined;
  /** Git-driven delivery: runs, repositories, webhooks; absent in tests of the bare API. */
  pipeline?: Pipeline;
  /** The built web dashboard served at `/` (static-dashboard.ts); default: the package's dist/web. */
  dashboardDir?: string;
}

const NAME = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, starting with a letter');
const PARAM_NAME = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/, 'letters, digits, _ . and -, starting with a letter or _');

const deployBody = z.object({
  stage: NAME,
  services: z.array(z.string()).default([]),
  params: z.record(z.string(), z.string()).default({}),
  strategy: z.union([z.string().max(500), z.record(z.string(), z.unknown())]).optional(),
  wait: z.boolean().default(false),
  actor: z.string().max(200).optional(),
  commitSha: z.string().regex(/^[0-9a-f]{7,64}(\+dirty)?$/, 'a git commit id').optional(),
  sources: z.object({ root: z.string(), files: z.record(z.string(), z.string()) }),
  bundles: z.record(z.string().regex(/^[0-9a-f]{64}$/), z.string()),
  functionCode: z.record(z.string(), z.string()),
});

export function createApiApp(deps: ApiDependencies): Hono {
  const { engine } = deps;
  const { store } = engine;
  const api = new Hono();
  api.use('*', requestLog(deps.log));
  // Probes carry no token: these routes answer before any access control.
  registerHealthRoutes(api, { store, gateway: deps.gateway, metrics: deps.metrics, keyProblem: deps.keyProblem });
  api.onError((error, c) => errorResponse(c, error));
  api.notFound((c) => errorResponse(c, new SluiceError('NOT_FOUND', `No API route ${c.req.method} ${c.req.path}.`, { hint: 'See the API reference in docs/api.md.' })));

  if (deps.pipeline) registerPipelineHooks(api, deps.pipeline);
  api.get('/api/health', (c) => c.json({ ok: true, version: deps.version, dialect: store.dialect, gateway: deps.gateway.url }));
  // The size limit comes first: access control reads a deploy's manifest from the body.
  api.use('/api/apps/:app/deploy', bodyLimit({ maxSize: 64 * 1024 * 1024, onError: (c) => errorResponse(c, new SluiceError('INVALID_BODY', 'The deploy upload is larger than 64 MB.')) }));
  api.use('/api/*', accessControl({ store, bootstrapToken: deps.token, loopback: deps.loopback, now: engine.now }));

  api.post('/api/apps/:app/deploy', async (c) => {
    const body = await parseBody(c, deployBody);
    const bundles = Object.fromEntries(Object.entries(body.bundles).map(([hash, b64]) => [hash, Buffer.from(b64, 'base64')]));
    const request = { ...body, bundles, actor: actorOf(c, body.actor), loaded: c.get('uploadedApp') };
    if (c.req.query('stream') !== '1') {
      const result = await trackedDeploy(deps, () => deployApp(engine, deps.rollouts, request));
      return c.json(result);
    }
    c.header('content-type', 'application/x-ndjson');
    return stream(c, async (out) => {
      const write = (line: unknown) => out.write(JSON.stringify(line) + '\n');
      try {
        const result = await trackedDeploy(deps, () => deployApp(engine, deps.rollouts, request, (event: ProgressEvent) => void write({ type: 'progress', ...event })));
        await write({ type: 'result', result });
      } catch (error) {
        await write({ type: 'error', error: toSluiceError(error).toJSON() });
      }
    });
  });

  api.get('/api/stages', async (c) => c.json({ stages: await store.listStages(c.req.query('app') || undefined) }));
  api.get('/api/apps/:app/stages/:stage', async (c) => c.json(await stageInfo(store, c.req.param('app'), c.req.param('stage'))));
  api.delete('/api/apps/:app/stages/:stage', async (c) => c.json(await removeStage(engine, c.req.param('app'), c.req.param('stage'), actorOf(c))));
  api.get('/api/apps/:app/deployments', async (c) => {
    const limit = Number(c.req.query('limit') ?? 50);
    return c.json({ deployments: await store.listDeployments({ app: c.req.param('app'), stage: c.req.query('stage') || undefined, service: c.req.query('service') || undefined, limit }) });
  });

  api.post('/api/apps/:app/stages/:stage/functions/:fn/invoke', async (c) => {
    const { app, stage, fn } = c.req.param();
    const body = await parseBody(c, z.object({ event: z.unknown().optional() }));
    const target = await findFunction(store, app, stage, fn);
    const outcome = await deps.gateway.invoke({ app, stage, ...target, event: body.event ?? {} });
    return c.json({ ...target, ...outcome });
  });

  api.get('/api/apps/:app/stages/:stage/logs', async (c) => {
    const { app, stage } = c.req.param();
    const fn = c.req.query('function');
    const target = fn ? await findFunction(store, app, stage, fn) : undefined;
    const entries = await store.queryLogs({
      app,
      stage,
      service: target?.service,
      function: target?.function,
      afterId: numberQuery(c, 'afterId'),
      sinceTs: numberQuery(c, 'since'),
      limit: numberQuery(c, 'limit') ?? 100,
    });
    return c.json({ entries: await maskedLogEntries(store, engine.secrets, entries) });
  });

  registerRolloutRoutes(api, engine, deps.rollouts);
  if (deps.pipeline) registerPipelineRoutes(api, deps.pipeline, engine, deps.rollouts);
  registerTokenRoutes(api, engine);
  registerAuditRoutes(api, engine);
  registerSecretKeyRoutes(api, deps.keyRotation);
  registerDashboardRoutes(api, engine);

  for (const kind of ['params', 'secrets'] as const) {
    api.get(`/api/profiles/:profile/${kind}`, async (c) => {
      const profile = NAME.parse(c.req.param('profile'));
      if (kind === 'params') return c.json({ profile, params: await store.listParams(profile) });
      const secrets = await store.listSecrets(profile);
      return c.json({ profile, secrets: secrets.map((s) => ({ name: s.name, updatedAt: s.updatedAt })) });
    });
    api.put(`/api/profiles/:profile/${kind}/:name`, async (c) => {
      const profile = validated(NAME, c.req.param('profile'), 'profile');
      const name = validated(PARAM_NAME, c.req.param('name'), 'name');
      const { value } = await parseBody(c, z.object({ value: z.string().max(64 * 1024) }));
      if (kind === 'params') await store.setParam(profile, name, value);
      else if (deps.keyRotation) await deps.keyRotation.sealing(() => store.setSecret(profile, name, engine.secrets.encrypt(value)));
      else await store.setSecret(profile, name, engine.secrets.encrypt(value));
      await recordEvent(store, engine.events, { type: `${kind === 'params' ? 'param' : 'secret'}.set`, actor: actorOf(c), app: null, stage: null, service: null, payload: { profile, name } });
      return c.json({ profile, name, set: true });
    });
    api.delete(`/api/profiles/:profile/${kind}/:name`, async (c) => {
      const profile = validated(NAME, c.req.param('profile'), 'profile');
      const name = c.req.param('name');
      const removed = kind === 'params' ? await store.unsetParam(profile, name) : await store.unsetSecret(profile, name);
      if (!removed) throw new SluiceError('NOT_FOUND', `No ${kind === 'params' ? 'param' : 'secret'} ${name} in profile ${profile}.`, { hint: `\`sluice ${kind} list --profile ${profile}\` lists them.` });
      await recordEvent(store, engine.events, { type: `${kind === 'params' ? 'param' : 'secret'}.unset`, actor: actorOf(c), app: null, stage: null, service: null, payload: { profile, name } });
      return c.json({ profile, name, removed: true });
    });
  }
  // Last: the dashboard answers only GETs no route above took (never /api, /hooks or the probes).
  registerStaticDashboard(api, deps.dashboardDir);
  return api;
}

function validated<T>(schema: z.ZodType<T>, value: string, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new SluiceError('INVALID_NAME', `"${value}" is not a valid ${what}: ${parsed.error.issues[0]?.message}.`);
  return parsed.data;
}

function numberQuery(c: Context, name: string): number | undefined {
  const value = c.req.query(name);
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new SluiceError('INVALID_ARGUMENT', `Query parameter ${name} must be a number, got "${value}".`);
  return n;
}
