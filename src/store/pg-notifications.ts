// PostgreSQL LISTEN/NOTIFY for the store: writers notify a channel (inside their transaction, so the
// notification goes out at commit and never for a rolled-back change), and a dedicated client per store
// listens. Only a hint that something changed: listeners re-read the store, and polling stays as the
// fallback, so a notification lost while the connection was down costs latency, not correctness. After a
// reconnect every listener is called once for what it may have missed. SQLite has no such thing: there,
// notify does nothing and nobody is called.
//
// Channel names carry the schema (`sluice_routing:<schema>`), so stores in different schemas of one
// database (test runs, several installations) do not wake each other.

import { sql } from 'kysely';
import type pg from 'pg';
import type { NotificationChannel } from './lease-types.js';
import type { StoreContext } from './store-context.js';

const RECONNECT_MS = 1000;

/** `sluice_<name>:<schema>`, cut to PostgreSQL's 63-byte identifier limit. */
const CHANNEL_SQL = (name: NotificationChannel) => sql`left(${`sluice_${name}:`} || current_schema(), 63)`;

/** Notifies the channel on PostgreSQL (at commit when inside a transaction); nothing on SQLite. */
export async function notify(ctx: StoreContext, name: NotificationChannel, payload: string): Promise<void> {
  if (ctx.traits.name !== 'postgres') return;
  await sql`select pg_notify(${CHANNEL_SQL(name)}, ${payload})`.execute(ctx.db);
}

type Listener = () => void;

export class PgNotificationListener {
  readonly #config: pg.ClientConfig;
  readonly #listeners = new Map<NotificationChannel, Set<Listener>>();
  #client: pg.Client | undefined;
  #connecting: Promise<void> | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #everConnected = false;
  /** channel name on the server → our channel. */
  #channels = new Map<string, NotificationChannel>();

  constructor(config: pg.ClientConfig) {
    this.#config = config;
  }

  /**
   * Calls `listener` on every notification of the channel. Resolves once the first attempt to listen is
   * over, also when it failed (it keeps retrying in the background). Returns the unsubscribe function.
   */
  async listen(name: NotificationChannel, listener: Listener): Promise<() => Promise<void>> {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, (set = new Set()));
    set.add(listener);
    if (this.#client) await this.#listenOn(this.#client, name).catch(() => this.#lost(this.#client));
    else await this.#connect();
    return async () => {
      set.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  #connect(): Promise<void> {
    this.#connecting ??= (async () => {
      const { default: pgModule } = await import('pg');
      const client = new pgModule.Client({ ...this.#config, keepAlive: true });
      // Without a listener an 'error' (the server restarting) would crash the process.
      client.on('error', () => this.#lost(client));
      client.on('end', () => this.#lost(client));
      client.on('notification', (message) => {
        const name = this.#channels.get(message.channel);
        if (name) this.#call(name);
      });
      try {
        await client.connect();
        for (const name of this.#listeners.keys()) await this.#listenOn(client, name);
        if (this.#closed) {
          await client.end();
          return;
        }
        const reconnected = this.#client === undefined && this.#everConnected;
        this.#client = client;
        this.#everConnected = true;
        // Whatever changed while nobody listened: let every listener look once.
        if (reconnected) for (const name of this.#listeners.keys()) this.#call(name);
      } catch {
        await client.end().catch(() => undefined);
        this.#scheduleReconnect();
      }
    })().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #listenOn(client: pg.Client, name: NotificationChannel): Promise<void> {
    const { rows } = await client.query<{ channel: string }>(`select left($1 || current_schema(), 63) as channel`, [`sluice_${name}:`]);
    const channel = rows[0].channel;
    this.#channels.set(channel, name);
    await client.query(`listen "${channel.replaceAll('"', '""')}"`);
  }

  #lost(client: pg.Client | undefined): void {
    if (client === undefined || this.#client !== client) return;
    this.#client = undefined;
    client.end().catch(() => undefined);
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer) return;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      void this.#connect();
    }, RECONNECT_MS);
    this.#reconnectTimer.unref();
  }

  #call(name: NotificationChannel): void {
    for (const listener of this.#listeners.get(name) ?? []) {
      try {
        listener();
      } catch {
        // A failing listener must not stop the others.
      }
    }
  }
}
