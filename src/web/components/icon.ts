// The dashboard's few icons, drawn inline as SVG strokes so they follow the text color and need no font.
// Icons are decoration beside words: hidden from screen readers unless given a label.

import { html } from 'htm/preact';

const SHAPES = {
  check: 'M5 12.5l4.5 4.5L19 7.5',
  x: 'M6.5 6.5l11 11M17.5 6.5l-11 11',
  clock: 'M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18zM12 7.5V12l3 2',
  pause: 'M9 6v12M15 6v12',
  pending: 'M12 4a8 8 0 1 0 0 16a8 8 0 1 0 0-16z',
  spinner: 'M12 3a9 9 0 1 0 9 9',
  slash: 'M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18zM6 18L18 6',
  alert: 'M12 3.5L2.5 20h19zM12 10v4.5M12 17.2v.3',
  lock: 'M6 11h12v9H6zM8.5 11V8a3.5 3.5 0 0 1 7 0v3',
  external: 'M14 4h6v6M20 4l-9 9M18 14v6H4V6h6',
  sun: 'M12 8a4 4 0 1 0 0 8a4 4 0 1 0 0-8zM12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4',
  moon: 'M20 14.5A8.5 8.5 0 0 1 9.5 4a8.5 8.5 0 1 0 10.5 10.5z',
  monitor: 'M3 4h18v12H3zM8 20h8M12 16v4',
  menu: 'M4 7h16M4 12h16M4 17h16',
  rollback: 'M9 14L4 9l5-5M4 9h10.5a5.5 5.5 0 0 1 0 11H11',
  copy: 'M9 9h11v11H9zM15 9V4H4v11h5',
  skip: 'M7 12h10',
  promote: 'M5 12h14M13 6l6 6-6 6',
  promoteFully: 'M4 6l7 6-7 6zM13 6l7 6-7 6z',
  play: 'M7 5l12 7-12 7z',
  stop: 'M6.5 6.5h11v11h-11z',
  dot: 'M12 8.5a3.5 3.5 0 1 0 0 7a3.5 3.5 0 1 0 0-7z',
  hook: 'M12 3v9a4 4 0 1 1-4-4',
} as const;

export type IconName = keyof typeof SHAPES;

export function Icon({ name, size = 16, label, class: className = '' }: { name: IconName; size?: number; label?: string; class?: string }) {
  return html`<svg
    class=${`icon icon-${name} ${className}`}
    width=${size}
    height=${size}
    viewBox="0 0 24 24"
    fill=${name === 'dot' ? 'currentColor' : 'none'}
    stroke="currentColor"
    stroke-width="2"
    stroke-linecap="round"
    stroke-linejoin="round"
    role=${label ? 'img' : undefined}
    aria-label=${label}
    aria-hidden=${label ? undefined : 'true'}
    focusable="false"
  ><path d=${SHAPES[name]} /></svg>`;
}
