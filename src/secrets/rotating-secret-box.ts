// A SecretBox whose key can be replaced while the process runs (`sluice secrets rotate-key`). It seals with
// the current key; it opens with the current key and, until forgetPrevious(), with the one before, so text
// sealed a moment before a rotation (a worker starting while the gateway reloads) still opens.

import type { SecretBox } from './secret-box.js';

export interface RotatingSecretBox extends SecretBox {
  /** The box sealing now. */
  readonly current: SecretBox;
  /** Seals with next from now on; the current key keeps opening until forgetPrevious(). */
  rotate(next: SecretBox): void;
  forgetPrevious(): void;
}

export function createRotatingSecretBox(initial: SecretBox): RotatingSecretBox {
  let current = initial;
  let previous: SecretBox | undefined;
  return {
    get current() {
      return current;
    },
    get keyId() {
      return current.keyId;
    },
    encrypt: (plaintext) => current.encrypt(plaintext),
    digest: (plaintext) => current.digest(plaintext),
    decrypt(ciphertext) {
      if (previous === undefined) return current.decrypt(ciphertext);
      try {
        return current.decrypt(ciphertext);
      } catch (error) {
        try {
          return previous.decrypt(ciphertext);
        } catch {
          throw error;
        }
      }
    },
    rotate(next) {
      previous = current;
      current = next;
    },
    forgetPrevious() {
      previous = undefined;
    },
  };
}
