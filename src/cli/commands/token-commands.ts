// `sluice tokens create|list|revoke` (admin), and `sluice login|logout|whoami`: the CLI's own token per
// control plane, kept in the user's config with mode 0600 (see ../credentials.ts).

import type { Command } from 'commander';
import { SluiceError } from '../../errors/index.js';
import type { TokenRecord } from '../../store/index.js';
import { ApiClient } from '../api-client.js';
import { collect } from '../app-context.js';
import { credentialsPath, removeCredential, saveCredential } from '../credentials.js';
import { ago, bold, dim, green, print, printJson, red, table, yellow } from '../output.js';
import { readSecretInput } from '../secret-input.js';

interface CallerInfo {
  kind: 'token' | 'bootstrap' | 'local';
  name: string;
  role: string;
  profiles: string[] | null;
  actor: string;
}

export function registerTokenCommands(program: Command): void {
  const client = () => ApiClient.fromOptions(program.opts());
  const tokens = program.command('tokens').description('Create, list and revoke API tokens (admin); a token has a role and optionally a set of profiles');

  tokens
    .command('create')
    .description('Create a token and print it once; it is stored hashed and can never be shown again')
    .requiredOption('--name <name>', 'who or what the token is for, e.g. alice or ci')
    .requiredOption('--role <role>', 'viewer, deployer, approver or admin')
    .option('--profiles <profiles>', 'limit the token to these profiles (comma-separated, repeatable)', collect, [])
    .option('--expires <span>', 'lifetime, e.g. 12h, 30d or 2w (default: never expires)')
    .option('--json', 'print the token and its record as JSON')
    .action(async (options: { name: string; role: string; profiles: string[]; expires?: string; json?: boolean }) => {
      const body = { name: options.name, role: options.role, profiles: options.profiles.length ? options.profiles : undefined, expires: options.expires };
      const created = await client().post<{ token: string; record: TokenRecord }>('/api/tokens', body);
      if (options.json) return printJson(created);
      const { record } = created;
      print(green(`✔ Created token ${bold(record.name)}`) + dim(` (${describeGrant(record)}${record.expiresAt ? `, expires ${new Date(record.expiresAt).toISOString()}` : ''})`));
      print();
      print(`  ${created.token}`);
      print();
      print(dim('This is the only time the token is shown. Its owner stores it with `sluice login` (or sets SLUICE_TOKEN).'));
      if (record.createdBy.startsWith('local:')) {
        print(yellow('From now on every call to this control plane needs a token, yours too: `sluice login` with an admin token.'));
      }
    });

  tokens
    .command('list')
    .description('List tokens: name, role, profiles, created, expires, last used, revoked (never the tokens)')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const { tokens: records } = await client().get<{ tokens: TokenRecord[] }>('/api/tokens');
      if (options.json) return printJson(records);
      if (records.length === 0) return print(dim('No tokens yet. Create one with `sluice tokens create --name NAME --role ROLE`.'));
      const now = Date.now();
      print(table(
        ['name', 'role', 'profiles', 'created', 'expires', 'last used', 'revoked'],
        records.map((t) => [
          t.name,
          t.role,
          t.profiles?.join(', ') ?? 'all',
          `${ago(t.createdAt, now)} by ${t.createdBy}`,
          t.expiresAt === null ? 'never' : t.expiresAt <= now ? red('expired') : new Date(t.expiresAt).toISOString().slice(0, 16).replace('T', ' '),
          ago(t.lastUsedAt, now),
          t.revokedAt === null ? '-' : red(`${ago(t.revokedAt, now)} by ${t.revokedBy ?? '?'}`),
        ]),
      ));
    });

  tokens
    .command('revoke')
    .description('Revoke a token at once; it stays listed, and on the audit timeline')
    .argument('<name>', 'token name')
    .option('--json', 'print the revoked record as JSON')
    .action(async (name: string, options: { json?: boolean }) => {
      const { record } = await client().post<{ record: TokenRecord }>(`/api/tokens/${encodeURIComponent(name)}/revoke`, {});
      if (options.json) return printJson(record);
      print(green(`✔ Revoked token ${bold(record.name)}`) + dim(` (${describeGrant(record)})`));
    });

  program
    .command('login')
    .description('Store a token for a control plane (--server) in your config, mode 0600; read from standard input or asked for')
    .option('--json', 'print who you are as JSON')
    .action(async (options: { json?: boolean }) => {
      const server = ApiClient.fromOptions(program.opts()).server;
      const token = (await readSecretInput('Token: ')).trim();
      if (!token) throw new SluiceError('INVALID_ARGUMENT', 'No token given.', { hint: `Pipe it in: printf %s "$TOKEN" | sluice login --server ${server}` });
      const caller = await new ApiClient(server, token).get<CallerInfo>('/api/whoami');
      await saveCredential(server, { token, name: caller.name, role: caller.role });
      if (options.json) return printJson({ server, ...caller, path: credentialsPath() });
      print(green(`✔ Logged in to ${server} as ${bold(caller.name)}`) + dim(` (${describeGrant(caller)}); token saved in ${credentialsPath()}`));
    });

  program
    .command('logout')
    .description('Forget the token stored for a control plane (--server)')
    .action(async () => {
      const server = ApiClient.fromOptions(program.opts()).server;
      const removed = await removeCredential(server);
      print(removed ? green(`✔ Forgot the token for ${server}`) : dim(`No token was stored for ${server}.`));
    });

  program
    .command('whoami')
    .description('Show who the control plane takes you for: token name, role and profiles')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const api = client();
      const caller = await api.get<CallerInfo>('/api/whoami');
      if (options.json) return printJson(caller);
      const how = caller.kind === 'local' ? 'no token needed: no token exists yet and the control plane listens on loopback only' : caller.kind === 'bootstrap' ? 'the SLUICE_TOKEN of `sluice up`' : 'token';
      print(`${bold(caller.actor)} on ${api.server}: ${describeGrant(caller)} ${dim(`(${how})`)}`);
    });
}

function describeGrant(grant: { role: string; profiles: string[] | null }): string {
  return grant.profiles ? `${grant.role}, profiles ${grant.profiles.join(', ')}` : `${grant.role}, every profile`;
}
