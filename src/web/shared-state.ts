// A value several parts of the page watch (the session, the connection, the location, toasts): set it and
// every subscriber hears. `useSharedState` re-renders a component whenever the value changes.

import { useEffect, useReducer, useRef } from 'preact/hooks';

export class SharedState<T> {
  #value: T;
  readonly #listeners = new Set<(value: T) => void>();

  constructor(initial: T) {
    this.#value = initial;
  }

  get value(): T {
    return this.#value;
  }

  set(value: T): void {
    if (Object.is(value, this.#value)) return;
    this.#value = value;
    for (const listener of [...this.#listeners]) listener(value);
  }

  update(change: (value: T) => T): void {
    this.set(change(this.#value));
  }

  subscribe(listener: (value: T) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

export function useSharedState<T>(state: SharedState<T>): T {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const rendered = useRef(state.value);
  rendered.current = state.value;
  useEffect(() => {
    const unsubscribe = state.subscribe(() => rerender(undefined));
    // Effects run after paint: a change between the render and this subscription would go unseen.
    if (!Object.is(rendered.current, state.value)) rerender(undefined);
    return unsubscribe;
  }, [state]);
  return state.value;
}
