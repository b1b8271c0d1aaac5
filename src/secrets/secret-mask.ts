// The secret values to mask: every stored secret that the current master key opens. Their printed forms
// (raw, base64…) are derived by the SecretMasker.

import type { Store } from '../store/index.js';
import type { SecretBox } from './secret-box.js';

/** Decrypted values of every stored secret; values sealed with another key are skipped. */
export async function collectSecretValues(store: Pick<Store, 'listSecrets'>, box: Pick<SecretBox, 'decrypt'>): Promise<string[]> {
  const values = new Set<string>();
  for (const secret of await store.listSecrets()) {
    const plain = tryDecrypt(box, secret.ciphertext);
    if (plain !== undefined) values.add(plain);
  }
  return [...values];
}

/** The plaintext, or undefined when the key does not open it (nothing could have handed it to a handler). */
export function tryDecrypt(box: Pick<SecretBox, 'decrypt'>, ciphertext: string): string | undefined {
  try {
    return box.decrypt(ciphertext);
  } catch {
    return undefined;
  }
}
