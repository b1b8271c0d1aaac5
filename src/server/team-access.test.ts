// Who the API takes a caller for, beyond the role matrix: the tokenless local admin of the Quick start and
// when it ends, binds beyond loopback, the actor the timeline records, and reading the timeline.

import { afterEach, describe, expect, it } from 'vitest';
import type { TokenRecord } from '../store/index.js';
import type { AuditEntry } from './audit-routes.js';
import { startApiHarness, type ApiHarness } from './testing/api-harness.js';

const opened: ApiHarness[] = [];
afterEach(async () => {
  while (opened.length > 0) await opened.pop()!.close();
});
async function harness(options: Parameters<typeof startApiHarness>[0]): Promise<ApiHarness> {
  const h = await startApiHarness(options);
  opened.push(h);
  return h;
}
const json = async <T>(response: Response): Promise<T> => (await response.json()) as T;
const audit = async (h: ApiHarness, token?: string, query = '') => (await json<{ entries: AuditEntry[] }>(await h.call('GET', `/api/audit${query}`, { token }))).entries;

describe('the local user on a loopback control plane', () => {
  it('is admin, named by the CLI, until the first token is created; then every call needs a token', async () => {
    const h = await harness({ loopback: true });
    const asAlice = { headers: { 'x-sluice-user': 'alice' } };
    expect(await json(await h.call('GET', '/api/whoami', asAlice))).toEqual({ kind: 'local', name: 'alice', role: 'admin', profiles: null, actor: 'local:alice' });
    expect((await h.call('PUT', '/api/profiles/dev/params/env', { ...asAlice, body: { value: 'dev' } })).status).toBe(200);
    const created = await h.call('POST', '/api/tokens', { ...asAlice, body: { name: 'root', role: 'admin' } });
    expect(created.status).toBe(201);
    const { token, record } = await json<{ token: string; record: TokenRecord }>(created);
    expect(token).toMatch(/^slc_[A-Za-z0-9_-]{43}$/);
    expect(record.createdBy).toBe('local:alice');

    const refused = await h.call('GET', '/api/stages', asAlice);
    expect(refused.status).toBe(401);
    expect((await json<{ error: { hint: string } }>(refused)).error.hint).toContain('sluice login');
    expect((await h.call('GET', '/api/stages', { token })).status).toBe(200);
    expect((await audit(h, token)).map((e) => [e.actor, e.action, e.target])).toEqual([
      ['local:alice', 'param.set', 'profile:dev/env'],
      ['local:alice', 'token.created', 'token:root'],
    ]);
  });

  it('stays closed once a token existed, even when every token is revoked', async () => {
    const h = await harness({ loopback: true });
    const { token } = await json<{ token: string }>(await h.call('POST', '/api/tokens', { body: { name: 'root', role: 'admin' } }));
    expect((await h.call('POST', '/api/tokens/root/revoke', { token })).status).toBe(200);
    expect((await h.call('GET', '/api/stages')).status).toBe(401);
  });

  it('is nobody when the control plane binds beyond loopback, or was given SLUICE_TOKEN', async () => {
    const exposed = await harness({ loopback: false, bootstrapToken: 'slc_bootstrap-for-test' });
    expect((await exposed.call('GET', '/api/stages')).status).toBe(401);
    expect((await exposed.call('GET', '/api/stages', { token: 'slc_bootstrap-for-test' })).status).toBe(200);
    const withToken = await harness({ loopback: true, bootstrapToken: 'slc_other' });
    expect((await withToken.call('GET', '/api/stages')).status).toBe(401);
  });
});

describe('tokens', () => {
  it('records who used a token last, and never shows a token again', async () => {
    const h = await harness({ loopback: true });
    const { token } = await json<{ token: string }>(await h.call('POST', '/api/tokens', { body: { name: 'root', role: 'admin', expires: '30d' } }));
    const { token: ci } = await json<{ token: string }>(await h.call('POST', '/api/tokens', { token, body: { name: 'ci', role: 'deployer', profiles: ['dev', 'dev', 'preview'] } }));
    await h.call('GET', '/api/stages', { token: ci });
    const listed = await h.call('GET', '/api/tokens', { token });
    const text = await listed.text();
    expect(text).not.toContain(token);
    expect(text).not.toContain(ci);
    const tokens = (JSON.parse(text) as { tokens: TokenRecord[] }).tokens;
    expect(tokens.map((t) => [t.name, t.role, t.profiles, t.createdBy, t.lastUsedAt !== null])).toEqual([
      ['root', 'admin', null, 'local:user', true],
      ['ci', 'deployer', ['dev', 'preview'], 'root', true],
    ]);
    expect(tokens[0].expiresAt).toBe(h.clock.now() + 30 * 86_400_000);
  });

  it('puts token, param and secret changes on the timeline and tells live subscribers, never with a value', async () => {
    const h = await harness({ loopback: true });
    const seen: string[] = [];
    h.engine.events!.subscribe((e) => seen.push(`${e.actor} ${e.type} ${JSON.stringify(e.payload)}`));
    const { token } = await json<{ token: string }>(await h.call('POST', '/api/tokens', { body: { name: 'root', role: 'admin' } }));
    await h.call('PUT', '/api/profiles/prod/secrets/API_KEY', { token, body: { value: 'never-on-the-timeline' } });
    await h.call('POST', '/api/tokens/root/revoke', { token });
    expect(seen).toEqual([
      'local:user token.created {"token":"root","role":"admin","profiles":null,"expiresAt":null}',
      'root secret.set {"profile":"prod","name":"API_KEY"}',
      'root token.revoked {"token":"root","role":"admin"}',
    ]);
    expect(JSON.stringify(await h.store.listEvents({}))).not.toMatch(/never-on-the-timeline|slc_/);
  });

  it('refuses reserved names, unknown roles and odd lifetimes', async () => {
    const h = await harness({ loopback: true });
    const problems = await Promise.all([
      { name: 'bootstrap', role: 'admin' }, { name: 'ok', role: 'owner' }, { name: 'ok', role: 'viewer', expires: 'soon' }, { name: 'Bad Name', role: 'viewer' },
    ].map(async (body) => (await h.call('POST', '/api/tokens', { body })).status));
    expect(problems).toEqual([400, 400, 400, 400]);
    expect((await h.call('POST', '/api/tokens/nobody/revoke')).status).toBe(404);
  });
});

describe('GET /api/audit', () => {
  it('lists entries by stage and time with their target and commit, and has no way to change them', async () => {
    const h = await harness({ loopback: true });
    const base = { actor: 'dana', app: 'shop', service: null, payload: {} };
    await h.store.appendEvent({ ...base, type: 'stage.created', stage: 'dev', ts: h.clock.now() - 7_200_000, commitSha: 'abc1234' });
    await h.store.appendEvent({ ...base, type: 'stage.created', stage: 'prod', ts: h.clock.now() - 60_000 });
    await h.store.appendEvent({ ...base, type: 'deployment.started', stage: 'dev', service: 'api', ts: h.clock.now() - 30_000, commitSha: 'def5678' });
    const entries = await audit(h, undefined, '?app=shop&stage=dev');
    expect(entries.map((e) => [e.action, e.target, e.commit])).toEqual([['stage.created', 'shop/dev', 'abc1234'], ['deployment.started', 'shop/dev/api', 'def5678']]);
    expect((await audit(h, undefined, '?since=1h')).map((e) => e.target)).toEqual(['shop/prod', 'shop/dev/api']);
    expect(entries[0].time).toBe(new Date(h.clock.now() - 7_200_000).toISOString());
    expect((await h.call('GET', '/api/audit?since=yesterday')).status).toBe(400);
    for (const method of ['POST', 'PUT', 'DELETE']) expect((await h.call(method, '/api/audit')).status).toBe(404);
    expect((await h.call('DELETE', '/api/audit/1')).status).toBe(404);
  });
});
