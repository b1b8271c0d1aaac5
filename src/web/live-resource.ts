// What every page does with data: fetch it, fetch it again when a relevant event arrives (debounced), after
// the event stream reconnects, and on a timer while something moves. Old data stays on screen while the
// new one loads, so live updates never flash a spinner.

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api-client.js';
import { events, type SluiceEvent } from './event-stream.js';

export interface LiveOptions<T> {
  /** Which events make this data stale; absent: none (only reconnects and `pollMs`). */
  relevant?: (event: SluiceEvent) => boolean;
  /** Re-fetch on this interval while set (e.g. an active rollout: every second), or as the data says. */
  pollMs?: number | null | ((data: T | undefined) => number | null);
  debounceMs?: number;
}

export interface LiveResource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  reload: () => void;
}

export function useLiveResource<T>(load: (signal: AbortSignal) => Promise<T>, key: string, options: LiveOptions<T> = {}): LiveResource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const latest = useRef({ load, options });
  latest.current = { load, options };
  const flight = useRef({ key, running: false, again: false, abort: null as AbortController | null });

  const run = useCallback(async () => {
    const current = flight.current;
    if (current.running) {
      current.again = true;
      return;
    }
    current.running = true;
    const forKey = current.key;
    try {
      do {
        current.again = false;
        const abort = new AbortController();
        current.abort = abort;
        try {
          const value = await latest.current.load(abort.signal);
          if (flight.current.key !== forKey) return;
          setData(value);
          setError(undefined);
        } catch (caught) {
          if (abort.signal.aborted || flight.current.key !== forKey) return;
          setError(caught instanceof ApiError ? caught : new ApiError(0, 'ERROR', String(caught)));
        }
      } while (current.again);
    } finally {
      current.running = false;
    }
  }, []);

  // A new key is another resource: forget the old one's data and fetch.
  useEffect(() => {
    flight.current.abort?.abort();
    flight.current = { key, running: false, again: false, abort: null };
    setData(undefined);
    setError(undefined);
    void run();
    return () => flight.current.abort?.abort();
  }, [key, run]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = events.subscribe((event) => {
      const relevant = latest.current.options.relevant;
      if (event !== null && !relevant?.(event)) return;
      clearTimeout(timer);
      timer = setTimeout(() => void run(), latest.current.options.debounceMs ?? 150);
    });
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, [key, run]);

  const pollMs = typeof options.pollMs === 'function' ? options.pollMs(data) : (options.pollMs ?? null);
  useEffect(() => {
    if (!pollMs) return;
    const timer = setInterval(() => void run(), pollMs);
    return () => clearInterval(timer);
  }, [pollMs, key, run]);

  return { data, error, reload: () => void run() };
}

/** Matches events by type prefix (`rollout.`) and, when given, app / stage / service. */
export function eventFilter(prefixes: string[], scope: { app?: string; stage?: string; service?: string } = {}): (event: SluiceEvent) => boolean {
  return (event) =>
    prefixes.some((p) => event.type.startsWith(p)) &&
    (scope.app === undefined || event.app === null || event.app === scope.app) &&
    (scope.stage === undefined || event.stage === null || event.stage === scope.stage) &&
    (scope.service === undefined || event.service === null || event.service === scope.service);
}
