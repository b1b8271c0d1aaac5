// A team's session through the real CLI against a real `sluice up`: the local admin makes the first token
// and logs in, hands out a profile-limited deployer and an approver token, sets params and secrets; the
// deployer deploys, shifts a canary, promotes it and rolls back, and is refused prod; the approver deploys
// prod and removes dev. Then `sluice audit --json` holds every action in order, with the right actor, the
// commit of each deploy — and no secret value or token anywhere in it.

import { execFileSync } from 'node:child_process';
import { cp, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeployResult } from '../../src/engine/index.js';
import type { AuditEntry } from '../../src/server/index.js';
import { ROOT, runCli, startUp, tempDir, type CliResult, type RunningControlPlane } from '../support/sluice-process.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'canary-app');
const SECRET_DEV = 'dev-greeting-4f9c2a7e51';
const SECRET_PROD = 'prod-greeting-b83d6e0c94';

let plane: RunningControlPlane;
let home: Awaited<ReturnType<typeof tempDir>>;
let config: Awaited<ReturnType<typeof tempDir>>;
let app: Awaited<ReturnType<typeof tempDir>>;
let commit: string;

/** Runs the CLI as the person holding `token` (none: the local user, or the stored login). */
const sluice = (args: string[], options: { token?: string; input?: string } = {}): Promise<CliResult> =>
  runCli(args, { cwd: app.path, server: plane.api, input: options.input, env: { XDG_CONFIG_HOME: config.path, USER: 'tester', SLUICE_TOKEN: options.token ?? '' } });
async function ok<T>(args: string[], options: { token?: string; input?: string } = {}): Promise<T> {
  const result = await sluice([...args, '--json'], options);
  if (result.code !== 0) throw new Error(`sluice ${args.join(' ')} failed (${result.code}):\n${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

beforeAll(async () => {
  [home, config, app] = await Promise.all([tempDir('sluice-audit-home-'), tempDir('sluice-audit-config-'), tempDir('sluice-audit-app-')]);
  await cp(FIXTURE, app.path, { recursive: true });
  await writeFile(join(app.path, 'sluice.app.yml'), [
    'app: canary', 'services: [api]', 'profiles:', '  dev: {}', '  prod: { approval: required }', 'stages:', '  prod: { profile: prod }', "  '*': { profile: dev }", '',
  ].join('\n'));
  const service = join(app.path, 'api', 'sluice.yml');
  await writeFile(service, (await readFile(service, 'utf8')).replace("      EDITION: ${param:edition, '1'}\n", "      EDITION: ${param:edition, '1'}\n      GREETING: ${secret:GREETING}\n"));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], { cwd: app.path, encoding: 'utf8' }).trim();
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'canary app');
  commit = git('rev-parse', 'HEAD');
  plane = await startUp({ home: home.path });
});

afterAll(async () => {
  await plane?.stop();
  await Promise.all([app?.remove(), config?.remove(), home?.remove()]);
});

describe('the audit timeline of a team session', () => {
  it('holds every action in order, with the right actors and commits, and no secret value', async () => {
    // The local admin makes the first token; from then on the local user needs one too, and logs in.
    const root = await ok<{ token: string }>(['tokens', 'create', '--name', 'root', '--role', 'admin']);
    const closed = await sluice(['stages']);
    expect(closed.stderr).toContain('UNAUTHORIZED');
    const login = await sluice(['login'], { input: `${root.token}\n` });
    expect(login.code, login.stderr).toBe(0);
    expect((await stat(join(config.path, 'sluice', 'credentials.json'))).mode & 0o777).toBe(0o600);
    expect(await ok(['whoami'])).toMatchObject({ kind: 'token', name: 'root', role: 'admin' });

    const dana = (await ok<{ token: string }>(['tokens', 'create', '--name', 'dana', '--role', 'deployer', '--profiles', 'dev'])).token;
    const alex = (await ok<{ token: string }>(['tokens', 'create', '--name', 'alex', '--role', 'approver', '--expires', '30d'])).token;
    await ok(['params', 'set', 'edition', '1', '--profile', 'dev']);
    await ok(['secrets', 'set', 'GREETING', '--profile', 'dev'], { input: SECRET_DEV });
    await ok(['secrets', 'set', 'GREETING', '--profile', 'prod'], { input: SECRET_PROD });

    // The deployer works on dev: a deploy, a canary promoted by hand, a rollback.
    await ok<DeployResult>(['deploy', '--stage', 'dev'], { token: dana });
    const canary = await ok<DeployResult>(['deploy', '--stage', 'dev', '--param', 'edition=2', '--strategy', 'Canary10Percent30Minutes'], { token: dana });
    expect(canary.services[0]!.rollout).toMatchObject({ status: 'active', weight: 10 });
    expect(await ok(['rollout', 'promote', '--stage', 'dev', '--full'], { token: dana })).toMatchObject({ status: 'succeeded' });
    await ok(['rollback', '--stage', 'dev', '--service', 'api'], { token: dana });
    const refused = await sluice(['deploy', '--stage', 'prod'], { token: dana });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/FORBIDDEN.*needs the approver role/);

    // The approver releases prod and removes dev; the admin revokes the deployer and cleans up.
    await ok<DeployResult>(['deploy', '--stage', 'prod'], { token: alex });
    await ok(['tokens', 'revoke', 'dana']);
    expect((await sluice(['stages'], { token: dana })).stderr).toContain('The token dana was revoked');
    await ok(['params', 'unset', 'edition', '--profile', 'dev']);
    await ok(['secrets', 'unset', 'GREETING', '--profile', 'dev']);
    await ok(['remove', '--stage', 'dev'], { token: alex });

    const audit = await sluice(['audit', '--json']);
    expect(audit.code, audit.stderr).toBe(0);
    const entries = JSON.parse(audit.stdout) as AuditEntry[];
    const deployOf = (actor: string, stage: string, rollout: string[]) => [
      [actor, 'deployment.started', `canary/${stage}/api`], ...rollout.map((kind) => [actor, `rollout.${kind}`, `canary/${stage}/api`]), [actor, 'deployment.succeeded', `canary/${stage}/api`],
    ];
    expect(subsequence(entries.map((e) => [e.actor, e.action, e.target]), [
      ['local:tester', 'token.created', 'token:root'],
      ['root', 'token.created', 'token:dana'],
      ['root', 'token.created', 'token:alex'],
      ['root', 'param.set', 'profile:dev/edition'],
      ['root', 'secret.set', 'profile:dev/GREETING'],
      ['root', 'secret.set', 'profile:prod/GREETING'],
      ['dana', 'stage.created', 'canary/dev'],
      ...deployOf('dana', 'dev', ['started', 'succeeded']),
      ['dana', 'deployment.started', 'canary/dev/api'],
      ['dana', 'rollout.started', 'canary/dev/api'],
      ['dana', 'rollout.step', 'canary/dev/api'],
      ['dana', 'rollout.promoted', 'canary/dev/api'],
      ['dana', 'rollout.succeeded', 'canary/dev/api'],
      ['dana', 'deployment.succeeded', 'canary/dev/api'],
      ['dana', 'deployment.rolledBack', 'canary/dev/api'],
      ['alex', 'stage.created', 'canary/prod'],
      ...deployOf('alex', 'prod', ['started', 'succeeded']),
      ['root', 'token.revoked', 'token:dana'],
      ['root', 'param.unset', 'profile:dev/edition'],
      ['root', 'secret.unset', 'profile:dev/GREETING'],
      ['alex', 'stage.removed', 'canary/dev'],
    ])).toEqual({ missing: null });
    expect(entries.map((e) => e.id)).toEqual([...entries.map((e) => e.id)].sort((a, b) => a - b));
    expect(entries.filter((e) => e.action === 'deployment.started').map((e) => e.commit)).toEqual([commit, commit, commit]);
    expect(entries.filter((e) => e.action.startsWith('token.') || e.action.startsWith('secret.')).every((e) => e.commit === null)).toBe(true);

    const table = await sluice(['audit']);
    for (const text of [audit.stdout, table.stdout]) {
      for (const secret of [SECRET_DEV, SECRET_PROD, Buffer.from(SECRET_DEV).toString('base64'), root.token, dana, alex]) expect(text).not.toContain(secret);
    }
    expect(table.stdout).toMatch(/alex\s+stage\.removed\s+canary\/dev/);

    // Removing dev took its deployments, not its history; and the timeline can be cut by stage and time.
    const dev = await ok<AuditEntry[]>(['audit', '--stage', 'dev', '--since', '1h']);
    expect(dev.length).toBeGreaterThan(10);
    expect(dev.every((e) => e.stage === 'dev')).toBe(true);
    expect(dev.at(-1)?.action).toBe('stage.removed');
    expect((await ok<unknown[]>(['tokens', 'list'])).length).toBe(3);
  });
});

/** null when `expected` appears in `actual` in order (other entries may come between); else the first one missing. */
function subsequence(actual: string[][], expected: string[][]): { missing: string[] | null } {
  let at = 0;
  for (const wanted of expected) {
    const found = actual.findIndex((entry, i) => i >= at && entry.join(' ') === wanted.join(' '));
    if (found < 0) return { missing: wanted };
    at = found + 1;
  }
  return { missing: null };
}
