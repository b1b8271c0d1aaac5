// Re-encryption of everything sealed with the master key, for `sluice secrets rotate-key`: every secret and
// every secretEnvironment value of every function version, and every repository's webhook secret, is opened with the old key and sealed with the
// new one, in one store transaction, so the store never holds a mix that no single key opens.

import { SluiceError } from '../errors/index.js';
import type { SealedValue, Store } from '../store/index.js';
import type { SecretBox } from './secret-box.js';
import { tryDecrypt } from './secret-mask.js';

export interface ResealResult {
  /** Profile secrets re-encrypted. */
  secrets: number;
  /** secretEnvironment values of function versions re-encrypted. */
  versionValues: number;
  /** Webhook secrets of connected repositories re-encrypted. */
  webhookSecrets: number;
  /** Values the old key does not open, left as they were (only with skipUnreadable). */
  unreadable: string[];
}

export async function resealSecrets(
  store: Pick<Store, 'transaction'>,
  from: Pick<SecretBox, 'decrypt'>,
  to: Pick<SecretBox, 'encrypt'>,
  options: { skipUnreadable?: boolean } = {},
): Promise<ResealResult> {
  return store.transaction(async (tx) => {
    const sealed = await tx.listSealedValues();
    const resealed: SealedValue[] = [];
    const unreadable: string[] = [];
    for (const value of sealed) {
      const plain = tryDecrypt(from, value.ciphertext);
      if (plain === undefined) unreadable.push(describe(value));
      else resealed.push({ ...value, ciphertext: to.encrypt(plain) });
    }
    if (unreadable.length > 0 && !options.skipUnreadable) {
      throw new SluiceError('SECRET_KEY_MISMATCH', `${unreadable.length} stored values do not open with the current master key (${unreadable.slice(0, 5).join(', ')}${unreadable.length > 5 ? ', …' : ''}); nothing was changed.`, {
        hint: 'Set those secrets again (`sluice secrets set`), or rotate with --skip-unreadable to leave them as they are (they stay unreadable).',
      });
    }
    await tx.replaceSealedValues(resealed);
    return {
      secrets: resealed.filter((v) => v.kind === 'secret').length,
      versionValues: resealed.filter((v) => v.kind === 'version').length,
      webhookSecrets: resealed.filter((v) => v.kind === 'webhook').length,
      unreadable,
    };
  });
}

function describe(value: SealedValue): string {
  if (value.kind === 'secret') return `secret ${value.name} of profile ${value.profile}`;
  if (value.kind === 'webhook') return `the webhook secret of repository ${value.repoId}`;
  return `${value.name} of version ${value.versionId.slice(0, 12)}`;
}
