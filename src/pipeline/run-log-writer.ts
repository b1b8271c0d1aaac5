// The log of a pipeline run: lines from commands and from Sluice itself, masked for the secrets of the
// control plane, stored in batches (one write per 100 ms at most) and announced to local followers.

import { EventEmitter } from 'node:events';
import { collectSecretValues, SecretMasker, type SecretBox } from '../secrets/index.js';
import type { RunLogLine, Store } from '../store/index.js';

const FLUSH_MS = 100;
/** Longest stored line; longer output is cut (a minified bundle printed by a check). */
const MAX_LINE = 4000;

/** Local signals: a run's log grew or its state changed (followers re-read the store). */
export class RunSignals extends EventEmitter<{ log: [runId: string]; run: [runId: string] }> {
  constructor() {
    super();
    this.setMaxListeners(0);
  }

  /** Resolves when the run's log or state changes here, or after `ms`; always resolves. */
  waitForChange(runId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.off('log', onEvent);
        this.off('run', onEvent);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const onEvent = (id: string) => {
        if (id === runId) done();
      };
      const timer = setTimeout(done, ms);
      this.on('log', onEvent);
      this.on('run', onEvent);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

export class RunLogWriter {
  readonly #pending: Array<Omit<RunLogLine, 'seq'>> = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly store: Store,
    private readonly runId: string,
    private readonly masker: SecretMasker,
    private readonly signals: RunSignals,
    private readonly now: () => number,
    private readonly onError: (error: unknown) => void,
  ) {}

  static async open(store: Store, secrets: Pick<SecretBox, 'decrypt'>, signals: RunSignals, runId: string, now: () => number, onError: (error: unknown) => void = () => undefined): Promise<RunLogWriter> {
    const masker = new SecretMasker(await collectSecretValues(store, secrets));
    return new RunLogWriter(store, runId, masker, signals, now, onError);
  }

  write(step: string, stream: RunLogLine['stream'], line: string): void {
    const text = line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}… (${line.length - MAX_LINE} more characters)` : line;
    this.#pending.push({ runId: this.runId, step, stream, line: this.masker.mask(text), ts: this.now() });
    this.#timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  system(step: string, line: string): void {
    this.write(step, 'system', line);
  }

  /** Stores what is pending; resolves when every line written so far is stored (or its write failed). Never rejects. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending.splice(0);
    if (batch.length > 0) {
      // A failed write loses its batch, not the log nor the run: the next batch still goes. Reported, never
      // rejected: the timer's flush has nobody to catch it (an unhandled rejection ends the process), and a
      // step that succeeded must not be stranded because its log could not be stored.
      this.#flushing = this.#flushing.then(async () => {
        await this.store.appendRunLogs(batch);
        this.signals.emit('log', this.runId);
      }).catch((error: unknown) => this.onError(error));
    }
    return this.#flushing;
  }
}
