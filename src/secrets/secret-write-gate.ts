// Keeps a master key rotation apart from the work that seals values with the key (deploys freeze secret
// environment values; `secrets set` stores one): a value sealed with the old key but written after the
// rotation re-encrypted everything would open with no key. Writers run side by side; a rotation starts only
// when none runs (it is refused otherwise, since a deploy with --wait may run for minutes), and writers
// that arrive during a rotation wait for it. Within one process: several control-plane processes need the
// others stopped during a rotation (see the README).

import { SluiceError } from '../errors/index.js';

export class SecretWriteGate {
  #writers = 0;
  #rotation: Promise<unknown> | undefined;

  /** Runs work that seals values with the master key; waits while a rotation runs. */
  async write<T>(work: () => Promise<T>): Promise<T> {
    while (this.#rotation) await this.#rotation.catch(() => undefined);
    this.#writers++;
    try {
      return await work();
    } finally {
      this.#writers--;
    }
  }

  /** Runs a rotation alone; refused (CONFLICT) while writers run or another rotation does. */
  async rotate<T>(work: () => Promise<T>): Promise<T> {
    if (this.#rotation) throw new SluiceError('CONFLICT', 'A master key rotation is already running.', { hint: 'Wait for it to finish.' });
    if (this.#writers > 0) {
      throw new SluiceError('CONFLICT', `${this.#writers} deploy or secret change${this.#writers === 1 ? ' is' : 's are'} running; the key cannot be rotated under ${this.#writers === 1 ? 'it' : 'them'}.`, {
        hint: 'Rotate again once the running deploys have finished (`sluice deploy --wait` holds until its rollout ends).',
      });
    }
    const running = work();
    this.#rotation = running;
    try {
      return await running;
    } finally {
      this.#rotation = undefined;
    }
  }
}
