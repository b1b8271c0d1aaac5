// Every value sealed with the master key, for `sluice secrets rotate-key`: secret ciphertexts per profile,
// the secretEnvironment values frozen into function versions (inside their JSON config), and the webhook
// secrets of connected repositories. Replacing
// rewrites only the ciphertexts: a version's id, number and the rest of its config stay as they are.

import type { FunctionConfig, SealedValue } from './types.js';
import { type StoreContext, inTransaction } from './store-context.js';

export async function listSealedValues(ctx: StoreContext): Promise<SealedValue[]> {
  const secrets = await ctx.db.selectFrom('secrets').select(['profile', 'name', 'ciphertext']).orderBy('profile').orderBy('name').execute();
  const versions = await ctx.db.selectFrom('versions').select(['id', 'config']).orderBy('id').execute();
  const values: SealedValue[] = secrets.map((row) => ({ kind: 'secret', profile: row.profile, name: row.name, ciphertext: row.ciphertext }));
  for (const row of versions) {
    const config = JSON.parse(row.config) as FunctionConfig;
    for (const [name, ciphertext] of Object.entries(config.secretEnvironment ?? {})) values.push({ kind: 'version', versionId: row.id, name, ciphertext });
  }
  const repositories = await ctx.db.selectFrom('repositories').select(['id', 'webhook_secret']).where('webhook_secret', 'is not', null).orderBy('id').execute();
  for (const row of repositories) values.push({ kind: 'webhook', repoId: row.id, ciphertext: row.webhook_secret! });
  return values;
}

export async function replaceSealedValues(ctx: StoreContext, values: SealedValue[]): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    const byVersion = new Map<string, Array<{ name: string; ciphertext: string }>>();
    for (const value of values) {
      if (value.kind === 'secret') {
        await tx.db.updateTable('secrets').set({ ciphertext: value.ciphertext }).where('profile', '=', value.profile).where('name', '=', value.name).execute();
      } else if (value.kind === 'webhook') {
        await tx.db.updateTable('repositories').set({ webhook_secret: value.ciphertext }).where('id', '=', value.repoId).execute();
      } else {
        byVersion.set(value.versionId, [...(byVersion.get(value.versionId) ?? []), value]);
      }
    }
    for (const [versionId, replacements] of byVersion) {
      const row = await tx.db.selectFrom('versions').select('config').where('id', '=', versionId).executeTakeFirst();
      if (row === undefined) continue;
      const config = JSON.parse(row.config) as FunctionConfig;
      for (const { name, ciphertext } of replacements) if (name in config.secretEnvironment) config.secretEnvironment[name] = ciphertext;
      await tx.db.updateTable('versions').set({ config: JSON.stringify(config) }).where('id', '=', versionId).execute();
    }
  });
}
