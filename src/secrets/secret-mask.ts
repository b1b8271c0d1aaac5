// Masking of secret values in text that leaves Sluice (function logs above all): every stored secret,
// raw or base64-encoded, is replaced by a fixed mask.

import type { Store } from '../store/index.js';
import type { SecretBox } from './secret-box.js';

export const SECRET_MASK = '********';

/** Decrypted secret values and their base64 forms, longest first; values under 4 characters are left alone. */
export async function collectSecretValues(store: Pick<Store, 'listSecrets'>, box: SecretBox): Promise<string[]> {
  const values = new Set<string>();
  for (const secret of await store.listSecrets()) {
    try {
      const plain = box.decrypt(secret.ciphertext);
      if (plain.length < 4) continue; // Masking tiny values would mangle ordinary text.
      values.add(plain);
      values.add(Buffer.from(plain).toString('base64').replace(/=+$/, ''));
    } catch {
      // Sealed with another key: nothing here could have decrypted it for a handler either.
    }
  }
  return [...values].sort((a, b) => b.length - a.length);
}

export function maskText(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of values) if (out.includes(value)) out = out.split(value).join(SECRET_MASK);
  return out;
}
