// How a gateway learns that routing changed when the change was made by another control-plane process:
// PostgreSQL LISTEN/NOTIFY on the store's `routing` channel (a dedicated client, see
// src/store/pg-notifications.ts) triggers a check at once, and polling the routing generation stays as the
// fallback (SQLite, a lost connection, a missed notification). Checks never overlap: one arriving while
// another runs is done once after it, so a burst of notifications costs at most two checks and a store
// that hangs piles nothing up.

import type { RuntimeStore } from './runtime-store.js';

export interface RoutingWatcherOptions {
  store: Pick<RuntimeStore, 'onNotification'>;
  /** Reads the generation and reloads when it changed; failures are its own to report. */
  check(): Promise<void>;
  pollIntervalMs: number;
}

export class RoutingWatcher {
  #running = false;
  #again = false;
  #pollTimer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => Promise<void>) | undefined;
  #closed = false;
  /** Checks started by a notification (for tests and metrics). */
  notifiedChecks = 0;

  constructor(private readonly options: RoutingWatcherOptions) {}

  /** Starts polling and listening; resolves once the first attempt to listen is over (it may have failed). */
  async start(): Promise<void> {
    this.#pollTimer = setInterval(() => this.trigger(), this.options.pollIntervalMs);
    this.#pollTimer.unref();
    const unsubscribe = await this.options.store.onNotification('routing', () => {
      this.notifiedChecks++;
      this.trigger();
    });
    if (this.#closed) await unsubscribe();
    else this.#unsubscribe = unsubscribe;
  }

  /** Runs a check now, or once more after the one running. */
  trigger(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    void this.options.check().catch(() => undefined).finally(() => {
      this.#running = false;
      if (this.#again) {
        this.#again = false;
        this.trigger();
      }
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#pollTimer);
    await this.#unsubscribe?.();
  }
}
