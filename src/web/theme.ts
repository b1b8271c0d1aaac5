// Light, dark, or whatever the system prefers: the choice is kept in localStorage and applied as
// `data-theme` on <html>; styles.css resolves every color with light-dark() against it.

import { SharedState } from './shared-state.js';

export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'sluice.theme';
const ORDER: readonly ThemeChoice[] = ['system', 'light', 'dark'];

function readChoice(): ThemeChoice {
  try {
    const stored = localStorage.getItem(KEY);
    return stored === 'light' || stored === 'dark' ? stored : 'system';
  } catch {
    return 'system';
  }
}

export const theme = new SharedState<ThemeChoice>(readChoice());

/** Bumped when the colors on screen change (a choice, or the system switching): charts redraw. */
export const paletteVersion = new SharedState(0);

export function applyTheme(): void {
  const apply = (choice: ThemeChoice) => {
    if (choice === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = choice;
    paletteVersion.update((n) => n + 1);
  };
  apply(theme.value);
  theme.subscribe(apply);
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    if (theme.value === 'system') paletteVersion.update((n) => n + 1);
  });
}

export function nextTheme(choice: ThemeChoice): ThemeChoice {
  return ORDER[(ORDER.indexOf(choice) + 1) % ORDER.length]!;
}

export function chooseTheme(choice: ThemeChoice): void {
  try {
    if (choice === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    // Without storage the choice lasts until the page closes.
  }
  theme.set(choice);
}

/** A CSS color (custom properties and light-dark() included) as the canvas understands it. */
export function resolveColor(css: string): string {
  const probe = document.createElement('span');
  probe.style.color = css;
  probe.style.display = 'none';
  document.body.appendChild(probe);
  const resolved = getComputedStyle(probe).color;
  probe.remove();
  return resolved;
}
