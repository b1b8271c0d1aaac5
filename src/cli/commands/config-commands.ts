// `sluice params` and `sluice secrets`: values per profile. Secret values are sent once and never shown again.

import type { Command } from 'commander';
import { SluiceError } from '../../errors/index.js';
import { ApiClient } from '../api-client.js';
import { ago, dim, green, print, printJson, table } from '../output.js';
import { registerSecretRotation } from './secret-rotation.js';

export function registerConfigCommands(program: Command): void {
  const client = () => ApiClient.fromOptions(program.opts());

  const params = program.command('params').description('Set, list and unset parameters of a profile (${param:name})');
  params
    .command('set')
    .description('Set a parameter of a profile')
    .argument('<name>', 'parameter name')
    .argument('<value>', 'value')
    .requiredOption('-p, --profile <profile>', 'profile, e.g. dev, staging, prod')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, value: string, options: { profile: string; json?: boolean }) => {
      const result = await client().put(`/api/profiles/${encodeURIComponent(options.profile)}/params/${encodeURIComponent(name)}`, { value });
      if (options.json) printJson(result);
      else print(green(`✔ Set param ${name} in profile ${options.profile}`));
    });
  params
    .command('list')
    .description('List the parameters stored for a profile')
    .requiredOption('-p, --profile <profile>', 'profile')
    .option('--json', 'print as JSON')
    .action(async (options: { profile: string; json?: boolean }) => {
      const result = await client().get<{ params: Record<string, string> }>(`/api/profiles/${encodeURIComponent(options.profile)}/params`);
      if (options.json) return printJson(result.params);
      const rows = Object.entries(result.params);
      print(rows.length ? table(['name', 'value'], rows) : dim(`No params stored for profile ${options.profile}.`));
    });
  params
    .command('unset')
    .description('Remove a parameter from a profile')
    .argument('<name>', 'parameter name')
    .requiredOption('-p, --profile <profile>', 'profile')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, options: { profile: string; json?: boolean }) => {
      const result = await client().delete(`/api/profiles/${encodeURIComponent(options.profile)}/params/${encodeURIComponent(name)}`);
      if (options.json) printJson(result);
      else print(green(`✔ Unset param ${name} in profile ${options.profile}`));
    });

  const secrets = program.command('secrets').description('Set, list and unset secrets of a profile (${secret:NAME}); values are encrypted and never shown');
  secrets
    .command('set')
    .description('Set a secret; without VALUE it is read from standard input, which keeps it out of shell history')
    .argument('<name>', 'secret name')
    .argument('[value]', 'value (default: read from standard input)')
    .requiredOption('-p, --profile <profile>', 'profile')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, value: string | undefined, options: { profile: string; json?: boolean }) => {
      const secret = value ?? (await readStdin());
      if (!secret) throw new SluiceError('INVALID_ARGUMENT', 'No secret value given.', { hint: `Pipe it in: printf %s "$VALUE" | sluice secrets set ${name} --profile ${options.profile}` });
      const result = await client().put(`/api/profiles/${encodeURIComponent(options.profile)}/secrets/${encodeURIComponent(name)}`, { value: secret });
      if (options.json) printJson(result);
      else print(green(`✔ Set secret ${name} in profile ${options.profile}`));
    });
  secrets
    .command('list')
    .description('List secret names of a profile (never their values)')
    .requiredOption('-p, --profile <profile>', 'profile')
    .option('--json', 'print as JSON')
    .action(async (options: { profile: string; json?: boolean }) => {
      const result = await client().get<{ secrets: Array<{ name: string; updatedAt: number }> }>(`/api/profiles/${encodeURIComponent(options.profile)}/secrets`);
      if (options.json) return printJson(result.secrets);
      print(result.secrets.length ? table(['name', 'value', 'updated'], result.secrets.map((s) => [s.name, '********', ago(s.updatedAt)])) : dim(`No secrets stored for profile ${options.profile}.`));
    });
  secrets
    .command('unset')
    .description('Remove a secret from a profile')
    .argument('<name>', 'secret name')
    .requiredOption('-p, --profile <profile>', 'profile')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, options: { profile: string; json?: boolean }) => {
      const result = await client().delete(`/api/profiles/${encodeURIComponent(options.profile)}/secrets/${encodeURIComponent(name)}`);
      if (options.json) printJson(result);
      else print(green(`✔ Unset secret ${name} in profile ${options.profile}`));
    });
  registerSecretRotation(secrets, client);
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
