// Previews through a real gateway over a real (SQLite) store: commit URLs that keep answering with the
// commit's version after live moves on (recorded by the engine's recordCommitAliases, the helper a preview
// deploy calls), and protected previews that want a Sluice token; over the in-memory store, one whose
// store cannot check tokens for a while.
// Needs the built worker (npx tsc -p tsconfig.json) — see worker-file.ts.

import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordCommitAliases, type EngineContext } from '../engine/index.js';
import { createSecretBox } from '../secrets/index.js';
import { openStore, type Store, type VersionRecord } from '../store/index.js';
import { bootstrapTokenId } from './control-endpoints.js';
import { CHECKING_PREVIEW_TOKENS } from './gateway-server.js';
import { startGatewayOn, startTestGateway, type GatewayHarness } from './testing/gateway-harness.js';
import { functionConfig } from './testing/memory-runtime-store.js';

const APP = { app: 'shop', stage: 'pr-7', service: 'api' };
const SHA_1 = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const SHA_UNKNOWN = '0000000';
const ROUTES = [{ type: 'http' as const, method: 'GET' as const, path: '/v' }];

/** Answers its label with the query string it was given, as the handler saw it. */
const labelled = (label: string) => `
export const handler = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ label: '${label}', rawQueryString: event.rawQueryString, query: event.queryStringParameters ?? null, headers: event.headers }),
});`;

const undo: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (undo.length > 0) await undo.pop()!();
});

interface Preview {
  store: Store;
  h: GatewayHarness<Store>;
  engine: EngineContext;
  v1: VersionRecord;
  v2: VersionRecord;
  /** Virtual time of the gateway (token expiry and the token cache). */
  clock: { now: number };
  setLive(version: VersionRecord): Promise<void>;
}

async function publish(store: Store, label: string): Promise<VersionRecord> {
  const code = labelled(label);
  const codeHash = createHash('sha256').update(code).digest('hex');
  await store.putArtifact(codeHash, Buffer.from(code));
  return store.createVersion({ id: `${label}-${codeHash.slice(0, 12)}`, app: APP.app, service: APP.service, function: 'f', codeHash, config: functionConfig({ events: ROUTES }) });
}

/** A preview stage of one function, deployed twice: live serves v1 until setLive moves it. */
async function startPreview(options: { bootstrapToken?: string } = {}): Promise<Preview> {
  const home = await mkdtemp(join(tmpdir(), 'sluice-previews-'));
  undo.push(() => rm(home, { recursive: true, force: true }));
  const store = await openStore({ home });
  undo.push(() => store.close());
  const v1 = await publish(store, 'v1');
  const v2 = await publish(store, 'v2');
  await store.upsertStage({ app: APP.app, name: APP.stage, profile: 'dev', kind: 'preview' });
  await store.upsertServiceInstance({ ...APP, url: 'http://unused', deploymentId: 'd1', deployedAt: 1 });
  const setAlias = async (version: VersionRecord) => {
    await store.setAlias({ ...APP, function: 'f', name: 'live', targets: [{ versionId: version.id, weight: 100 }] });
    await store.bumpRoutingGeneration();
  };
  await setAlias(v1);
  const clock = { now: 1_700_000_000_000 };
  // Polling stays out of the way: every change below reloads the gateway itself and waits for it.
  const h = await startGatewayOn(store, { now: () => clock.now, pollIntervalMs: 60_000, ...options });
  undo.push(() => h.close());
  const engine: EngineContext = {
    store,
    invoker: { invoke: async () => ({ result: null }) },
    secrets: createSecretBox(randomBytes(32)),
    routing: { routingChanged: async () => void (await h.gateway.reload()) },
    gatewayUrl: h.url,
    env: {},
    region: 'local',
    now: () => clock.now,
  };
  const setLive = async (version: VersionRecord) => {
    await setAlias(version);
    await h.gateway.reload();
  };
  return { store, h, engine, v1, v2, clock, setLive };
}

async function answer(h: Pick<GatewayHarness, 'request'>, path: string, headers: Record<string, string> = {}) {
  const response = await h.request(path, { headers });
  const text = await response.text();
  return { status: response.status, version: response.headers.get('x-sluice-version'), authenticate: response.headers.get('www-authenticate'), body: JSON.parse(text) };
}

describe('commit URLs', () => {
  it('keep answering with the commit\'s version after live moves on, while the stage URL follows live', async () => {
    const p = await startPreview();
    const urls = await recordCommitAliases(p.engine, { ...APP, sha: SHA_1 });
    expect(urls).toEqual({ api: `${p.h.url}/c/a1b2c3d/shop/pr-7/api` });
    await p.setLive(p.v2);

    const commit = await answer(p.h, '/c/a1b2c3d/shop/pr-7/api/v');
    expect(commit).toMatchObject({ status: 200, version: '1', body: { label: 'v1' } });
    const live = await answer(p.h, '/shop/pr-7/api/v');
    expect(live).toMatchObject({ status: 200, version: '2', body: { label: 'v2' } });
    expect(await p.store.listAliases(APP.app, APP.stage)).toEqual([
      expect.objectContaining({ name: 'commit-a1b2c3d', targets: [{ versionId: p.v1.id, weight: 100 }] }),
      expect.objectContaining({ name: 'live', targets: [{ versionId: p.v2.id, weight: 100 }] }),
    ]);
  });

  it('answer 404 with code, message and hint for a commit that was never recorded', async () => {
    const p = await startPreview();
    await recordCommitAliases(p.engine, { ...APP, sha: SHA_1 });
    const unknown = await answer(p.h, `/c/${SHA_UNKNOWN}/shop/pr-7/api/v`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({
      code: 'NOT_FOUND',
      message: `No function answers /c/${SHA_UNKNOWN}/shop/pr-7/api/v: no commit ${SHA_UNKNOWN} of shop/pr-7/api is deployed.`,
      hint: expect.stringContaining('/c/{sha7}/{app}/{stage}/{service}/{path}'),
    });
  });
});

describe('protected previews', () => {
  async function protectedPreview(options: { bootstrapToken?: string } = {}): Promise<Preview & { token: string }> {
    const p = await startPreview(options);
    const token = `slc_${randomBytes(16).toString('base64url')}`;
    await p.store.createToken({ id: 't1', name: 'reviewer', tokenHash: createHash('sha256').update(token).digest('hex'), role: 'viewer', profiles: null, createdBy: 'ann', expiresAt: null });
    await p.store.upsertPreview({ ...APP, repoId: null, branch: 'feature', pr: 7, headSha: SHA_1, lastActivityAt: 1, commentId: null, protected: true }, 1);
    // Writing the preview changes no alias: the commit recorded below bumps the routing the gateway reloads.
    await recordCommitAliases(p.engine, { ...APP, sha: SHA_1 });
    return { ...p, token };
  }

  it('refuses requests without a valid token with 401 PREVIEW_PROTECTED, on stage and commit URLs alike', async () => {
    const p = await protectedPreview();
    for (const path of ['/shop/pr-7/api/v', '/c/a1b2c3d/shop/pr-7/api/v']) {
      const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer slc_wrong' }, { 'x-sluice-token': 'slc_wrong' }];
      for (const headers of attempts) {
        const refused = await answer(p.h, path, headers);
        expect(refused.status).toBe(401);
        expect(refused.version).toBeNull();
        expect(refused.authenticate).toMatch(/^Bearer /);
        expect(refused.body).toEqual({
          error: { code: 'PREVIEW_PROTECTED', message: expect.stringContaining('pr-7'), hint: expect.stringMatching(/Bearer.*x-sluice-token.*\?sluice_token=/) },
        });
      }
    }
    expect((await answer(p.h, '/c/a1b2c3d/shop/pr-7/api/v?sluice_token=slc_wrong')).status).toBe(401);
    // The handler never ran: nothing was invoked.
    expect((await (await p.h.request('/_sluice/health')).json()).workers).toBe(0);
  });

  it('serves a valid token given as Bearer, as x-sluice-token or as ?sluice_token, which the handler never sees', async () => {
    const p = await protectedPreview();
    const bearer = await answer(p.h, '/shop/pr-7/api/v', { authorization: `Bearer ${p.token}` });
    expect(bearer).toMatchObject({ status: 200, version: '1', body: { label: 'v1' } });
    expect(bearer.body.headers).not.toHaveProperty('authorization');

    const header = await answer(p.h, '/c/a1b2c3d/shop/pr-7/api/v', { 'x-sluice-token': p.token, authorization: 'Bearer app-session' });
    expect(header).toMatchObject({ status: 200, version: '1' });
    expect(header.body.headers).not.toHaveProperty('x-sluice-token');
    expect(header.body.headers.authorization).toBe('Bearer app-session');

    const query = await answer(p.h, `/shop/pr-7/api/v?page=2&sluice_token=${encodeURIComponent(p.token)}&sort=asc`);
    expect(query).toMatchObject({ status: 200, body: { label: 'v1', rawQueryString: 'page=2&sort=asc', query: { page: '2', sort: 'asc' } } });
  });

  it('accepts the control plane\'s SLUICE_TOKEN, and says which one it holds only as an HMAC', async () => {
    const p = await protectedPreview({ bootstrapToken: 'the-control-plane-token' });
    expect(await answer(p.h, '/shop/pr-7/api/v', { authorization: 'Bearer the-control-plane-token' })).toMatchObject({ status: 200, version: '1' });
    const health = await (await p.h.request('/_sluice/health')).json();
    expect(health.bootstrapTokenId).toBe(bootstrapTokenId(p.h.token, 'the-control-plane-token'));
    expect(health.bootstrapTokenId).toMatch(/^[0-9a-f]{16}$/);
    expect(health.bootstrapTokenId).not.toBe(bootstrapTokenId('another-internal-token', 'the-control-plane-token'));
  });

  it('refuses a revoked token once the short cache of its last answer has run out', async () => {
    const p = await protectedPreview();
    expect((await answer(p.h, '/shop/pr-7/api/v', { 'x-sluice-token': p.token })).status).toBe(200);
    await p.store.revokeToken('reviewer', 'ann');
    p.clock.now += 5000;
    const refused = await answer(p.h, '/shop/pr-7/api/v', { 'x-sluice-token': p.token });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('PREVIEW_PROTECTED');
  });

  it('opens the preview again once it is no longer protected', async () => {
    const p = await protectedPreview();
    await p.store.upsertPreview({ ...APP, repoId: null, branch: 'feature', pr: 7, headSha: SHA_1, lastActivityAt: 2, commentId: null, protected: false }, 2);
    await p.store.bumpRoutingGeneration();
    await p.h.gateway.reload();
    expect(await answer(p.h, '/shop/pr-7/api/v')).toMatchObject({ status: 200, version: '1' });
  });

  it('answers 503 while the store cannot check a token, reports it once, and admits again once it answers', async () => {
    const errors: string[] = [];
    const recovered: string[] = [];
    const h = await startTestGateway(
      (store) => {
        store.publish({ ...APP, function: 'f', code: labelled('v1'), config: { events: ROUTES } });
        store.protectedStages.add(`${APP.app}/${APP.stage}`);
        store.tokens.set(createHash('sha256').update('slc_good').digest('hex'), {
          id: 't', name: 'reviewer', role: 'viewer', profiles: null, createdBy: 'ann', createdAt: 0, expiresAt: null, lastUsedAt: null, revokedAt: null, revokedBy: null,
        });
      },
      { onError: (_error, during) => errors.push(during), onRecovered: (during) => recovered.push(during), pollIntervalMs: 60_000 },
    );
    undo.push(() => h.close());
    h.store.setUnavailable(true);
    for (const token of ['slc_good', 'slc_other']) {
      const failed = await answer(h, '/shop/pr-7/api/v', { 'x-sluice-token': token });
      expect(failed.status).toBe(503);
      expect(failed.body.error).toMatchObject({ code: 'STORE_ERROR', hint: expect.any(String) });
    }
    expect(errors).toEqual([CHECKING_PREVIEW_TOKENS]);
    h.store.setUnavailable(false);
    expect(await answer(h, '/shop/pr-7/api/v', { 'x-sluice-token': 'slc_good' })).toMatchObject({ status: 200, version: '1' });
    expect(recovered).toEqual([CHECKING_PREVIEW_TOKENS]);
  });
});
