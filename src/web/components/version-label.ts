// What a service serves, in one glance: `v12`, or during a rollout `v12 90% · v13 10%`. Version numbers are
// per function; the label names the newest one and its title lists every function.

import { html } from 'htm/preact';

export interface FunctionVersion {
  function: string;
  number: number;
  weight: number;
}

/** `v12` for a version of known number, else the start of its id. */
export function versionName(versionId: string, numbers: ReadonlyMap<string, number>): string {
  const n = numbers.get(versionId);
  return n === undefined ? versionId.slice(0, 7) : `v${n}`;
}

export function describeVersions(versions: FunctionVersion[]): { text: string; split: boolean; detail: string } {
  if (versions.length === 0) return { text: '—', split: false, detail: 'no functions, resources only' };
  const byFunction = new Map<string, FunctionVersion[]>();
  for (const v of versions) byFunction.set(v.function, [...(byFunction.get(v.function) ?? []), v]);
  const detail = [...byFunction.entries()]
    .map(([fn, targets]) => `${fn} ${targets.map((t) => (targets.length > 1 ? `v${t.number} ${t.weight}%` : `v${t.number}`)).join(' · ')}`)
    .join(', ');
  const split = [...byFunction.values()].find((targets) => targets.length > 1);
  if (split) {
    const [older, newer] = [...split].sort((a, b) => a.number - b.number);
    return { text: `v${older!.number} ${older!.weight}% · v${newer!.number} ${newer!.weight}%`, split: true, detail };
  }
  const newest = Math.max(...versions.map((v) => v.number));
  return { text: `v${newest}`, split: false, detail };
}

export function VersionLabel({ versions }: { versions: FunctionVersion[] }) {
  const { text, split, detail } = describeVersions(versions);
  // On a narrow screen a split wraps after its "·", never inside "v12 90%".
  const parts = text.split(' · ');
  const last = parts.length - 1;
  return html`<span class=${`version ${split ? 'version-split' : ''}`} title=${detail}>${parts.map((part, i) => html`<span class="version-part">${part}${i < last ? ' ·' : ''}</span>${i < last ? ' ' : ''}`)}</span>`;
}
