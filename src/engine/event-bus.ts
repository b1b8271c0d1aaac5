// Every state change is appended to the store's event log and published to live subscribers (the API's
// server-sent events, `sluice rollout watch`, notification webhooks).

import type { EventRecord, NewEvent, Store } from '../store/index.js';

export type EventListener = (event: EventRecord) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(event: EventRecord): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A failing subscriber must not stop the others or the work that emitted the event.
      }
    }
  }
}

/** Appends the event durably, then tells the live subscribers. */
export async function recordEvent(store: Pick<Store, 'appendEvent'>, bus: EventBus | undefined, event: NewEvent): Promise<EventRecord> {
  const record = await store.appendEvent(event);
  bus?.publish(record);
  return record;
}
