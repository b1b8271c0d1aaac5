// The control plane's live events (GET /api/events, server-sent events) read with fetch so the request can
// carry the Authorization header (EventSource cannot). It reconnects with backoff and `Last-Event-ID`, and
// exposes its connection state for the shell's banner. Listeners get each event, and `null` after a
// reconnection: "you may have missed something, re-fetch".

import { ApiError, authorizationHeaders, reportUnauthorized } from './api-client.js';
import type { EventRecord } from './api-types.js';
import { SharedState } from './shared-state.js';

/** An event record with its id from the stream's `id:` field: null for live-only events, which carry none. */
export type SluiceEvent = Omit<EventRecord, 'id'> & { id: number | null };

export type ConnectionState = 'connecting' | 'open' | 'lost';
export type EventListener = (event: SluiceEvent | null) => void;

/** One parsed server-sent event (the fields the dashboard uses). */
export interface RawServerEvent {
  id: string | null;
  event: string;
  data: string;
}

/** Splits a text stream into server-sent events; feed it chunks, it calls `emit` per complete event. */
export class ServerEventParser {
  #buffer = '';
  #id: string | null = null;
  #event = '';
  #data: string[] = [];

  constructor(private readonly emit: (event: RawServerEvent) => void) {}

  push(chunk: string): void {
    this.#buffer += chunk;
    const lines = this.#buffer.split(/\r\n|\r|\n/);
    this.#buffer = lines.pop() ?? '';
    for (const line of lines) this.#line(line);
  }

  #line(line: string): void {
    if (line === '') {
      if (this.#data.length > 0 || this.#event) this.emit({ id: this.#id, event: this.#event || 'message', data: this.#data.join('\n') });
      this.#id = null;
      this.#event = '';
      this.#data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
    else if (field === 'id') this.#id = value;
  }
}

/** The server writes a comment every 15 s; silence for longer means the connection is dead. */
const SILENCE_LIMIT_MS = 40_000;
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15_000];

export class EventStream {
  readonly connection = new SharedState<ConnectionState>('connecting');
  readonly #listeners = new Set<EventListener>();
  #lastId: string | null = null;
  #running = false;
  /** Bumped by every start: a loop left over from before a stop ends instead of running beside the new one. */
  #generation = 0;
  #abort: AbortController | null = null;
  #wake: (() => void) | null = null;

  constructor(private readonly url: string) {}

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    void this.#loop(++this.#generation);
  }

  stop(): void {
    this.#running = false;
    this.#abort?.abort();
    this.#wake?.();
  }

  /** Try again now (a user clicked "Retry"), skipping the rest of the backoff. */
  retryNow(): void {
    this.#wake?.();
  }

  async #loop(generation: number): Promise<void> {
    let failures = 0;
    let wasLost = false;
    const current = () => this.#running && this.#generation === generation;
    while (current()) {
      const abort = new AbortController();
      this.#abort = abort;
      let opened = false;
      try {
        await this.#connect(abort, () => {
          opened = true;
          failures = 0;
          this.connection.set('open');
          if (wasLost) this.#emit(null);
          wasLost = false;
        });
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          // The session asks for a token; signing in starts the stream again.
          reportUnauthorized(error);
          if (current()) this.#running = false;
          break;
        }
      }
      if (!current()) break;
      if (opened || failures > 0 || this.connection.value !== 'connecting') {
        wasLost = true;
        this.connection.set('lost');
      }
      const delay = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)]!;
      failures++;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay * (0.8 + Math.random() * 0.4));
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
  }

  async #connect(abort: AbortController, onOpen: () => void): Promise<void> {
    const headers: Record<string, string> = { accept: 'text/event-stream', ...authorizationHeaders() };
    if (this.#lastId !== null) headers['last-event-id'] = this.#lastId;
    const response = await fetch(this.url, { headers, signal: abort.signal, cache: 'no-store' });
    if (response.status === 401) throw new ApiError(401, 'UNAUTHORIZED', 'The token was not accepted.');
    if (!response.ok || !response.body) throw new Error(`event stream answered ${response.status}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new ServerEventParser((raw) => {
      if (raw.event === 'ready') return onOpen();
      if (raw.id) this.#lastId = raw.id;
      try {
        const event = JSON.parse(raw.data) as SluiceEvent;
        this.#emit({ ...event, id: raw.id ? Number(raw.id) : null, type: event.type ?? raw.event });
      } catch {
        // Not one of ours; ignore it rather than break the stream.
      }
    });
    let silence = setTimeout(() => abort.abort(), SILENCE_LIMIT_MS);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        clearTimeout(silence);
        silence = setTimeout(() => abort.abort(), SILENCE_LIMIT_MS);
        parser.push(value);
      }
    } finally {
      clearTimeout(silence);
      reader.releaseLock();
    }
  }

  #emit(event: SluiceEvent | null): void {
    for (const listener of [...this.#listeners]) listener(event);
  }
}

export const events = new EventStream('/api/events');
