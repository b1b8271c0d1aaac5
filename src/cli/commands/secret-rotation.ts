// `sluice secrets rotate-key` (admin): a new master key, with every secret and every secret value of every
// function version re-encrypted by the control plane. With a key file the control plane writes the new key
// there; when its key comes from SLUICE_MASTER_KEY the new key must be given (--key-stdin) and then set in
// that variable, since Sluice cannot change it.

import type { Command } from 'commander';
import { SluiceError } from '../../errors/index.js';
import type { KeyRotationResult } from '../../server/index.js';
import type { ApiClient } from '../api-client.js';
import { green, print, printJson, yellow } from '../output.js';

export function registerSecretRotation(secrets: Command, client: () => ApiClient): void {
  secrets
    .command('rotate-key')
    .description('Generate a new master key and re-encrypt every secret with it (admin)')
    .option('--key-stdin', 'read the new key (64 hex characters) from standard input; needed when the key comes from SLUICE_MASTER_KEY')
    .option('--skip-unreadable', 'leave stored values the current key does not open as they are, instead of refusing')
    .option('--json', 'print the result as JSON')
    .action(async (options: { keyStdin?: boolean; skipUnreadable?: boolean; json?: boolean }) => {
      const key = options.keyStdin ? await readKey() : undefined;
      const result = await client().post<KeyRotationResult>('/api/secrets/rotate-key', { key, skipUnreadable: Boolean(options.skipUnreadable) });
      if (options.json) return printJson(result);
      print(green(`✔ Rotated the master key ${result.previousKeyId} → ${result.keyId}: re-encrypted ${result.secrets} secrets and ${result.versionValues} secret values of function versions.`));
      if (result.unreadable > 0) print(yellow(`  ${result.unreadable} values the old key did not open were left as they were.`));
      print(result.keyFile ? `  The new key is in ${result.keyFile} (mode 0600).` : yellow('  Set SLUICE_MASTER_KEY to the new key before the next start of the control plane.'));
      if (!result.gatewayUpdated) print(yellow('  The gateway process did not take the new key: restart `sluice up`.'));
    });
}

async function readKey(): Promise<string> {
  if (process.stdin.isTTY) throw new SluiceError('INVALID_ARGUMENT', '--key-stdin reads the key from standard input, which is a terminal.', { hint: 'openssl rand -hex 32 > new.key && sluice secrets rotate-key --key-stdin < new.key' });
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const key = Buffer.concat(chunks).toString('utf8').trim();
  if (!key) throw new SluiceError('INVALID_ARGUMENT', 'No key on standard input.', { hint: 'openssl rand -hex 32 > new.key && sluice secrets rotate-key --key-stdin < new.key' });
  return key;
}
