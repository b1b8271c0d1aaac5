// Whether the screen is narrow: 640 px or less, the breakpoint of styles/narrow.css. Most narrow layouts are
// CSS alone; where the structure itself changes (the overview's matrix becomes one card per stage), the
// component renders by this, so only one of the two is in the page for the keyboard and screen readers.

import { SharedState, useSharedState } from './shared-state.js';

/** The same condition as narrow.css's `@media (max-width: 640px)`. */
const NARROW_QUERY = '(max-width: 640px)';

let narrowScreen: SharedState<boolean> | undefined;

/** Re-renders the component when the screen crosses the breakpoint (a rotated phone, a resized window). */
export function useNarrowScreen(): boolean {
  if (!narrowScreen) {
    const query = window.matchMedia(NARROW_QUERY);
    const state = new SharedState(query.matches);
    query.addEventListener('change', (event) => state.set(event.matches));
    narrowScreen = state;
  }
  return useSharedState(narrowScreen);
}
