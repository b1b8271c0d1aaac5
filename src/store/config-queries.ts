// Values that configure stages: outputs published by services, and params and secrets per profile.
// Secret values arrive here already encrypted; the store never sees plaintext.

import { type StoreContext, affected, inTransaction } from './store-context.js';

/** Replaces the outputs of one service of a stage: keys no longer published disappear. */
export async function setOutputs(ctx: StoreContext, app: string, stage: string, service: string, outputs: Record<string, string>): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    await tx.db.deleteFrom('outputs').where('app', '=', app).where('stage', '=', stage).where('service', '=', service).execute();
    const rows = Object.entries(outputs).map(([key, value]) => ({ app, stage, service, key, value }));
    if (rows.length > 0) await tx.db.insertInto('outputs').values(rows).execute();
  });
}

export async function getOutput(ctx: StoreContext, app: string, stage: string, service: string, key: string): Promise<string | undefined> {
  const row = await ctx.db.selectFrom('outputs').select('value')
    .where('app', '=', app).where('stage', '=', stage).where('service', '=', service).where('key', '=', key)
    .executeTakeFirst();
  return row?.value;
}

export async function listOutputs(ctx: StoreContext, app: string, stage: string): Promise<Array<{ service: string; key: string; value: string }>> {
  return ctx.db.selectFrom('outputs').select(['service', 'key', 'value'])
    .where('app', '=', app).where('stage', '=', stage)
    .orderBy('service').orderBy('key')
    .execute();
}

export async function deleteOutputs(ctx: StoreContext, app: string, stage: string, service?: string): Promise<void> {
  let query = ctx.db.deleteFrom('outputs').where('app', '=', app).where('stage', '=', stage);
  if (service !== undefined) query = query.where('service', '=', service);
  await query.execute();
}

export async function setParam(ctx: StoreContext, profile: string, name: string, value: string): Promise<void> {
  const now = ctx.now();
  await ctx.db.insertInto('params').values({ profile, name, value, updated_at: now })
    .onConflict((oc) => oc.columns(['profile', 'name']).doUpdateSet({ value, updated_at: now }))
    .execute();
}

export async function listParams(ctx: StoreContext, profile: string): Promise<Record<string, string>> {
  const rows = await ctx.db.selectFrom('params').select(['name', 'value']).where('profile', '=', profile).orderBy('name').execute();
  return Object.fromEntries(rows.map((row) => [row.name, row.value]));
}

export async function listAllParams(ctx: StoreContext): Promise<Array<{ profile: string; name: string; value: string }>> {
  return ctx.db.selectFrom('params').select(['profile', 'name', 'value']).orderBy('profile').orderBy('name').execute();
}

export async function unsetParam(ctx: StoreContext, profile: string, name: string): Promise<boolean> {
  const result = await ctx.db.deleteFrom('params').where('profile', '=', profile).where('name', '=', name).executeTakeFirst();
  return affected(result) > 0;
}

export async function setSecret(ctx: StoreContext, profile: string, name: string, ciphertext: string): Promise<void> {
  const now = ctx.now();
  await ctx.db.insertInto('secrets').values({ profile, name, ciphertext, updated_at: now })
    .onConflict((oc) => oc.columns(['profile', 'name']).doUpdateSet({ ciphertext, updated_at: now }))
    .execute();
}

export async function getSecret(ctx: StoreContext, profile: string, name: string): Promise<string | undefined> {
  const row = await ctx.db.selectFrom('secrets').select('ciphertext').where('profile', '=', profile).where('name', '=', name).executeTakeFirst();
  return row?.ciphertext;
}

export async function listSecrets(ctx: StoreContext, profile?: string): Promise<Array<{ profile: string; name: string; ciphertext: string; updatedAt: number }>> {
  let query = ctx.db.selectFrom('secrets').select(['profile', 'name', 'ciphertext', 'updated_at']);
  if (profile !== undefined) query = query.where('profile', '=', profile);
  const rows = await query.orderBy('profile').orderBy('name').execute();
  return rows.map((row) => ({ profile: row.profile, name: row.name, ciphertext: row.ciphertext, updatedAt: row.updated_at }));
}

export async function unsetSecret(ctx: StoreContext, profile: string, name: string): Promise<boolean> {
  const result = await ctx.db.deleteFrom('secrets').where('profile', '=', profile).where('name', '=', name).executeTakeFirst();
  return affected(result) > 0;
}
