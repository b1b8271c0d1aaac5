// The role matrix: every API route × every kind of caller — each role, a token limited to one profile, no
// token, a wrong, an expired and a revoked token — against stages whose profile needs approval and stages
// whose profile does not. The expectations are written out here from the rules in plain words, not read
// from the policy table, so a wrong table fails. A last check proves every route of the app is covered.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenRole } from '../store/index.js';
import { ROUTE_ACCESS, matchRoute } from './access-policy.js';
import { generateToken, hashToken } from './caller-identity.js';
import { startApiHarness, type ApiHarness } from './testing/api-harness.js';

const BOOTSTRAP = generateToken();
const RANK: Record<TokenRole, number> = { viewer: 0, deployer: 1, approver: 2, admin: 3 };

/** prod needs approval; `legacy` is a stage on profile prod recorded before the rule (approval none). */
const manifest = (prodApproval: 'required' | 'none') => [
  'app: shop',
  'services: []',
  'profiles:',
  '  dev: {}',
  '  staging: {}',
  `  prod: { approval: ${prodApproval} }`,
  'stages:',
  '  prod: { profile: prod }',
  '  staging: { profile: staging }',
  '  sneaky: { profile: prod }',
  "  '*': { profile: dev }",
].join('\n');
const deploy = (stage: string, prodApproval: 'required' | 'none' = 'required') =>
  ({ stage, sources: { root: '/app', files: { 'sluice.app.yml': manifest(prodApproval) } }, bundles: {}, functionCode: {} });

interface Case {
  method: string;
  path: string;
  body?: unknown;
  /** The role the call needs (for this stage), and the profile a --profiles token must hold. */
  need: TokenRole;
  profile?: string;
  /** Only tokens without --profiles. */
  everyProfile?: boolean;
}

const stage = (name: string) => `/api/apps/shop/stages/${name}`;
const read = (path: string): Case => ({ method: 'GET', path, need: 'viewer' });
const CASES: Case[] = [
  read('/api/whoami'), read('/api/stages'), read(stage('prod')), read('/api/apps/shop/deployments'), read(`${stage('prod')}/logs`),
  read(`${stage('prod')}/rollouts`), read(`${stage('prod')}/rollouts/api`), read('/api/events'), read('/api/audit?since=1h'),
  read('/api/profiles/prod/params'), read('/api/profiles/prod/secrets'),
  read('/api/overview'), read(`${stage('prod')}/metrics`), read(`${stage('prod')}/rollouts/api/analysis`), read('/api/profiles'),
  read('/api/runs'), read('/api/runs/no-such-run'), read('/api/runs/no-such-run/logs'), read('/api/repositories'),

  // Pipeline runs: cancel is a deployer's, a decision an approver's (the run does not exist: 404 when allowed).
  { method: 'POST', path: '/api/runs/no-such-run/cancel', need: 'deployer' },
  { method: 'POST', path: '/api/runs/no-such-run/approve', body: {}, need: 'approver' },
  { method: 'POST', path: '/api/runs/no-such-run/reject', body: {}, need: 'approver' },
  // Promotion acts on the target stage (no release of staging here: the stored stage's profile decides).
  { method: 'POST', path: `${stage('dev')}/promote`, body: { from: 'staging' }, need: 'deployer', profile: 'dev' },
  { method: 'POST', path: `${stage('prod')}/promote`, body: { from: 'staging' }, need: 'approver', profile: 'prod' },
  // A repository's runs reach every stage its branches map to (an empty body: 400 when allowed).
  { method: 'POST', path: '/api/repositories', body: {}, need: 'admin', everyProfile: true },
  { method: 'DELETE', path: '/api/repositories/no-such-repo', need: 'admin', everyProfile: true },

  { method: 'POST', path: '/api/apps/shop/deploy', body: deploy('alice'), need: 'deployer', profile: 'dev' },
  { method: 'POST', path: '/api/apps/shop/deploy', body: deploy('staging'), need: 'deployer', profile: 'staging' },
  { method: 'POST', path: '/api/apps/shop/deploy', body: deploy('prod'), need: 'approver', profile: 'prod' },
  // A manifest that drops `approval: required` does not lower what the stored prod stage needs…
  { method: 'POST', path: '/api/apps/shop/deploy', body: deploy('prod', 'none'), need: 'approver', profile: 'prod' },
  // …nor does a new stage reach profile prod without it.
  { method: 'POST', path: '/api/apps/shop/deploy', body: deploy('sneaky', 'none'), need: 'approver', profile: 'prod' },
  { method: 'DELETE', path: stage('dev'), need: 'deployer', profile: 'dev' },
  { method: 'DELETE', path: stage('prod'), need: 'approver', profile: 'prod' },
  { method: 'DELETE', path: stage('legacy'), need: 'approver', profile: 'prod' },
  { method: 'DELETE', path: stage('never-deployed'), need: 'deployer' },
  ...['dev', 'prod'].flatMap((name): Case[] => {
    const need = name === 'prod' ? 'approver' : 'deployer';
    return [
      { method: 'POST', path: `${stage(name)}/rollback`, body: { service: 'api' }, need, profile: name },
      ...['promote', 'pause', 'resume', 'abort'].map((command): Case => ({ method: 'POST', path: `${stage(name)}/rollouts/api/${command}`, body: {}, need, profile: name })),
      // Calling a function releases nothing: approval does not apply, --profiles does.
      { method: 'POST', path: `${stage(name)}/functions/hello/invoke`, body: {}, need: 'deployer', profile: name },
    ];
  }),

  { method: 'PUT', path: '/api/profiles/dev/params/region', body: { value: 'eu' }, need: 'admin', profile: 'dev' },
  { method: 'DELETE', path: '/api/profiles/dev/params/region', need: 'admin', profile: 'dev' },
  { method: 'PUT', path: '/api/profiles/prod/secrets/API_KEY', body: { value: 'matrix-secret-value' }, need: 'admin', profile: 'prod' },
  { method: 'DELETE', path: '/api/profiles/prod/secrets/API_KEY', need: 'admin', profile: 'prod' },
  { method: 'GET', path: '/api/tokens', need: 'admin', everyProfile: true },
  { method: 'POST', path: '/api/tokens', body: { name: 'made-in-matrix', role: 'viewer' }, need: 'admin', everyProfile: true },
  { method: 'POST', path: '/api/tokens/spare/revoke', need: 'admin', everyProfile: true },
  { method: 'POST', path: '/api/secrets/rotate-key', body: {}, need: 'admin', everyProfile: true },
];

interface Caller {
  label: string;
  token?: string;
  role?: TokenRole;
  profiles?: string[];
}

let h: ApiHarness;
const callers: Caller[] = [];

async function createToken(name: string, role: TokenRole, profiles?: string[]): Promise<string> {
  const response = await h.call('POST', '/api/tokens', { token: BOOTSTRAP, body: { name, role, profiles } });
  expect(response.status).toBe(201);
  return ((await response.json()) as { token: string }).token;
}

/** Puts the stages back as the cases expect them (an allowed DELETE removes one). */
async function seedStages(): Promise<void> {
  await h.store.upsertStage({ app: 'shop', name: 'dev', profile: 'dev', kind: 'stage', approval: 'none' });
  await h.store.upsertStage({ app: 'shop', name: 'staging', profile: 'staging', kind: 'stage', approval: 'none' });
  await h.store.upsertStage({ app: 'shop', name: 'prod', profile: 'prod', kind: 'stage', approval: 'required' });
  await h.store.upsertStage({ app: 'shop', name: 'legacy', profile: 'prod', kind: 'stage', approval: 'none' });
}

beforeAll(async () => {
  h = await startApiHarness({ bootstrapToken: BOOTSTRAP });
  await seedStages();
  for (const role of ['viewer', 'deployer', 'approver', 'admin'] as const) callers.push({ label: role, token: await createToken(role, role), role });
  callers.push({ label: 'deployer on profile dev', token: await createToken('dev-deployer', 'deployer', ['dev']), role: 'deployer', profiles: ['dev'] });
  callers.push({ label: 'admin on profile dev', token: await createToken('dev-admin', 'admin', ['dev']), role: 'admin', profiles: ['dev'] });
  callers.push({ label: 'bootstrap SLUICE_TOKEN', token: BOOTSTRAP, role: 'admin' });
  await createToken('spare', 'viewer');

  const revoked = await createToken('revoked-admin', 'admin');
  expect((await h.call('POST', '/api/tokens/revoked-admin/revoke', { token: BOOTSTRAP })).status).toBe(200);
  const expired = generateToken();
  await h.store.createToken({ id: 'expired', name: 'expired-admin', tokenHash: hashToken(expired), role: 'admin', profiles: null, createdBy: 'test', expiresAt: h.clock.now() - 1 });
  callers.push({ label: 'no token' }, { label: 'wrong token', token: generateToken() }, { label: 'revoked admin token', token: revoked }, { label: 'expired admin token', token: expired });
});
afterAll(() => h?.close());

function expectedStatus(caller: Caller, c: Case): 401 | 403 | 'allowed' {
  if (!caller.role) return 401;
  if (RANK[caller.role] < RANK[c.need]) return 403;
  if (caller.profiles && (c.everyProfile || (c.profile && !caller.profiles.includes(c.profile)))) return 403;
  return 'allowed';
}

describe('the role matrix', () => {
  it('answers every route for every caller as the roles say', async () => {
    const wrong: string[] = [];
    for (const c of CASES) {
      for (const caller of callers) {
        await seedStages();
        const response = await h.call(c.method, c.path, { token: caller.token, body: c.body });
        const expected = expectedStatus(caller, c);
        const text = c.path === '/api/events' && response.ok ? (await response.body?.cancel(), '') : await response.text();
        // Allowed calls may still fail on their own terms (no such rollout: 404), never on access, nor as a bug.
        const ok = expected === 'allowed' ? response.status !== 401 && response.status !== 403 && response.status < 500 : response.status === expected;
        const namesRole = expected !== 403 || text.includes(`needs the ${c.need} role`);
        if (!ok || !namesRole) wrong.push(`${c.method} ${c.path} ${JSON.stringify(c.body ?? '').slice(0, 40)} as ${caller.label}: expected ${expected}, got ${response.status} ${text.slice(0, 160)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('covers every route the API serves, and the policy table has a rule for each', () => {
    const served = h.app.routes.filter((r) => r.method !== 'ALL' && r.path.startsWith('/api/')).map((r) => `${r.method} ${r.path}`);
    const ruled = ROUTE_ACCESS.map((r) => `${r.method} ${r.path}`);
    expect([...new Set(served)].sort()).toEqual([...ruled].sort());
    const tested = new Set(CASES.map((c) => matchRoute(c.method, c.path.split('?')[0]!)).map((m) => m && `${m.access.method} ${m.access.path}`));
    expect(ROUTE_ACCESS.filter((r) => r.role !== 'public' && !tested.has(`${r.method} ${r.path}`))).toEqual([]);
  });

  it('tells a refused caller which role the call needs, and why', async () => {
    const deployer = callers.find((c) => c.label === 'deployer')!;
    const response = await h.call('DELETE', stage('prod'), { token: deployer.token });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'FORBIDDEN',
      message: 'This call needs the approver role (stage prod of shop needs approval); token deployer has the deployer role.',
    });
    const scoped = callers.find((c) => c.label === 'deployer on profile dev')!;
    const outside = await h.call('POST', `${stage('staging')}/rollback`, { token: scoped.token, body: { service: 'api' } });
    expect(((await outside.json()) as { error: { message: string } }).error.message).toBe(
      'This call needs the deployer role on profile staging (stage staging of shop); token dev-deployer is limited to profiles dev.',
    );
  });

  it('says why a token is refused: unknown, revoked or expired', async () => {
    const messages = await Promise.all(['wrong token', 'revoked admin token', 'expired admin token', 'no token'].map(async (label) => {
      const response = await h.call('GET', '/api/stages', { token: callers.find((c) => c.label === label)!.token });
      return [response.status, ((await response.json()) as { error: { code: string; message: string } }).error.message];
    }));
    expect(messages).toEqual([
      [401, 'The token is not valid for this control plane.'],
      [401, 'The token revoked-admin was revoked.'],
      [401, expect.stringMatching(/^The token expired-admin expired on \d{4}-/)],
      [401, 'This control plane requires a token.'],
    ]);
    expect((await h.call('GET', '/api/health')).status).toBe(200);
  });
});
