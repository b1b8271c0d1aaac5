// `sluice secrets rotate-key`: a new master key, with everything sealed by the old one re-encrypted.
// 1. The new key is generated (or taken from the request: required when the key comes from
//    SLUICE_MASTER_KEY, which Sluice cannot rewrite; the operator then sets that variable to it).
// 2. With a key file, the new key is written as master.key.next (0600, synced).
// 3. One store transaction re-encrypts every secret and every version's secret environment value.
// 4. master.key.next replaces master.key (rename); the control plane seals and opens with the new key.
// 5. The gateway process gets the new key through its control endpoint and reloads its routing.
// Deploys and secret changes never run during steps 2-5 (SecretWriteGate). A crash between 3 and 4 leaves
// both files: at the next start, recoverKeyFile() keeps whichever key opens the store.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { recordEvent, type EventBus } from '../engine/index.js';
import { SluiceError } from '../errors/index.js';
import type { KeyRotation, KeyRotationRequest, KeyRotationResult } from '../server/index.js';
import {
  commitMasterKeyFile,
  createSecretBox,
  discardMasterKeyFile,
  nextMasterKeyPath,
  parseMasterKey,
  resealSecrets,
  SecretWriteGate,
  stageMasterKeyFile,
  tryDecrypt,
  type RotatingSecretBox,
  type SecretBox,
} from '../secrets/index.js';
import type { Store } from '../store/index.js';
import type { Logger } from './logger.js';

export interface KeyRotationContext {
  home: string;
  store: Store;
  box: RotatingSecretBox;
  /** The key came from SLUICE_MASTER_KEY: there is no key file to write. */
  keyFromEnvironment: boolean;
  gateway: { rotateKey(keyHex: string): Promise<void> };
  events?: EventBus;
  log: Logger;
}

export function masterKeyRotation(ctx: KeyRotationContext): KeyRotation {
  const gate = new SecretWriteGate();
  return {
    sealing: (work) => gate.write(work),
    async rotate(request) {
      const key = newKey(ctx, request);
      return gate.rotate(() => rotate(ctx, request, key));
    },
  };
}

function newKey(ctx: KeyRotationContext, request: KeyRotationRequest): Buffer {
  if (ctx.keyFromEnvironment && !request.key) {
    throw new SluiceError('MASTER_KEY_FROM_ENVIRONMENT', 'The master key comes from SLUICE_MASTER_KEY, which Sluice cannot rewrite, and no new key was given.');
  }
  const key = request.key ? parseMasterKey(request.key) : randomBytes(32);
  if (createSecretBox(key).keyId === ctx.box.keyId) throw new SluiceError('INVALID_ARGUMENT', 'The new master key is the current one.', { hint: 'Generate a new one: openssl rand -hex 32' });
  return key;
}

async function rotate(ctx: KeyRotationContext, request: KeyRotationRequest, key: Buffer): Promise<KeyRotationResult> {
  const previous = ctx.box.current;
  const next = createSecretBox(key);
  if (!ctx.keyFromEnvironment) await stageMasterKeyFile(ctx.home, key);
  let resealed;
  try {
    resealed = await resealSecrets(ctx.store, previous, next, { skipUnreadable: request.skipUnreadable });
  } catch (error) {
    if (!ctx.keyFromEnvironment) await discardMasterKeyFile(ctx.home);
    throw error;
  }
  // From here the store opens only with the new key: a failure below must not undo anything.
  const keyFile = ctx.keyFromEnvironment ? null : await commitMasterKeyFile(ctx.home).catch((error: unknown) => {
    ctx.log.error({ err: error, staged: nextMasterKeyPath(ctx.home) }, 'the new master key could not replace the key file; the next start puts it in place');
    return nextMasterKeyPath(ctx.home);
  });
  ctx.box.rotate(next);
  ctx.box.forgetPrevious();
  const gatewayUpdated = await ctx.gateway.rotateKey(key.toString('hex')).then(
    () => true,
    (error: unknown) => {
      ctx.log.error({ err: error }, 'the gateway process did not take the new master key; restart `sluice up` so it starts with it');
      return false;
    },
  );
  const result: KeyRotationResult = {
    previousKeyId: previous.keyId,
    keyId: next.keyId,
    secrets: resealed.secrets,
    versionValues: resealed.versionValues,
    unreadable: resealed.unreadable.length,
    keyFile,
    gatewayUpdated,
  };
  await recordEvent(ctx.store, ctx.events, { type: 'secret.keyRotated', actor: request.actor, app: null, stage: null, service: null, payload: { ...result } });
  ctx.log.info({ ...result }, 'master key rotated');
  return result;
}

/**
 * After a crash in the middle of a rotation both master.key and master.key.next exist: the store opens with
 * exactly one of them. Returns the key to use, having put the file in place when it is the new one.
 */
export async function recoverKeyFile(home: string, store: Pick<Store, 'listSealedValues'>, current: Buffer, log: Logger): Promise<Buffer> {
  const staged = nextMasterKeyPath(home);
  if (!existsSync(staged)) return current;
  const next = parseMasterKey(await readFile(staged, 'utf8'));
  const sample = (await store.listSealedValues())[0];
  if (sample !== undefined && tryDecrypt(createSecretBox(next), sample.ciphertext) !== undefined) {
    await commitMasterKeyFile(home);
    log.warn({ keyId: createSecretBox(next).keyId }, 'a master key rotation was interrupted after the store was re-encrypted; its new key file is now in place');
    return next;
  }
  await discardMasterKeyFile(home);
  log.warn('a master key rotation was interrupted before the store was re-encrypted; the current key stays');
  return current;
}

/** Why the key cannot open the stored secrets (a changed SLUICE_MASTER_KEY), for /readyz; undefined when it can. */
export async function masterKeyProblem(store: Pick<Store, 'listSecrets'>, box: Pick<SecretBox, 'decrypt' | 'keyId'>): Promise<string | undefined> {
  const secrets = await store.listSecrets();
  if (secrets.length === 0) return undefined;
  if (secrets.some((secret) => tryDecrypt(box, secret.ciphertext) !== undefined)) return undefined;
  return `the master key ${box.keyId} opens none of the ${secrets.length} stored secrets (set SLUICE_MASTER_KEY to the key they were sealed with)`;
}
