// Chooses which version of a function serves a request, from the `live` alias's weights and rules:
// 1. header match rules, first match wins: A/B testers and a pre-traffic hook's pinned calls reach their
//    version whatever its weight, even 0;
// 2. with a sticky key (a header or cookie value): the key's hash is a fixed point on the weights;
// 3. otherwise a random point on the weights.
// Runs per request, so it allocates nothing and makes one pass over the rules, headers and targets.
//
// Why stickiness survives a rollout: the weighted targets are laid out on [0, totalWeight) in an order
// that does not depend on the weights (newest version first), and a key's point never moves. With two
// targets, new on [0, w) and old on [w, 100): raising w only grows the new version's interval, so a
// caller moves from old to new once and never back; lowering it (a rollback) only moves callers back to
// old. Sorting by weight instead would swap the intervals when the new version passes 50% and send half
// of its callers back to the old one.
// The hash is seeded with the service, so all functions of a service agree on a caller (a user in the
// canary sees the new version of every function shifted together), while other services draw other
// callers into their canaries.

import type { AliasRules } from '../store/types.js';
import type { VersionTarget } from './route-table.js';

export interface MatchRoute {
  /** Lower case. */
  header: string;
  value: string;
  target: VersionTarget;
}

export interface StickyKey {
  source: 'header' | 'cookie';
  /** A header name in lower case, or a cookie name as given (cookie names are case-sensitive). */
  name: string;
  /** FNV-1a state after hashing the service key. */
  seed: number;
}

/** An alias compiled for per-request selection. */
export interface TrafficPlan {
  /** Targets with weight > 0, newest version first. */
  weighted: VersionTarget[];
  totalWeight: number;
  match: MatchRoute[];
  sticky: StickyKey | undefined;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnv(state: number, text: string, start: number, end: number): number {
  let h = state;
  for (let i = start; i < end; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h;
}

/** A key's fixed point in [0, 1): FNV-1a from the seed, then murmur3's finaliser to spread short keys. */
export function stickyFraction(seed: number, text: string, start = 0, end = text.length): number {
  let h = fnv(seed, text, start, end);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** The seed for a service's sticky keys (`{app}/{stage}/{service}`). */
export function stickySeed(serviceKey: string): number {
  return fnv(fnv(FNV_OFFSET, serviceKey, 0, serviceKey.length), '\0', 0, 1);
}

/** Newest version first; see the header for why the order must not depend on the weights. */
function byNewestVersion(a: VersionTarget, b: VersionTarget): number {
  return b.version.number - a.version.number || (a.version.id < b.version.id ? -1 : a.version.id > b.version.id ? 1 : 0);
}

/**
 * Compiles the alias of one function. `targets` are all its targets; match rules naming a version that is
 * not among them are ignored (the store lists every version a rule names).
 */
export function compileTraffic(serviceKey: string, targets: readonly VersionTarget[], rules: AliasRules): TrafficPlan {
  const weighted = targets.filter((t) => t.weight > 0).sort(byNewestVersion);
  const match: MatchRoute[] = [];
  for (const rule of rules.match ?? []) {
    const target = targets.find((t) => t.version.id === rule.versionId);
    if (target !== undefined) match.push({ header: rule.header.toLowerCase(), value: rule.value, target });
  }
  const sticky = rules.sticky;
  return {
    weighted,
    totalWeight: weighted.reduce((sum, t) => sum + t.weight, 0),
    match,
    sticky:
      sticky === undefined
        ? undefined
        : { source: sticky.source, name: sticky.source === 'header' ? sticky.name.toLowerCase() : sticky.name, seed: stickySeed(serviceKey) },
  };
}

/**
 * The target serving a request with these headers (Node's rawHeaders; undefined for events), or undefined
 * when no version receives weighted traffic and no match rule applies. `random` returns [0, 1).
 */
export function selectTarget(plan: TrafficPlan, rawHeaders: readonly string[] | undefined, random: () => number): VersionTarget | undefined {
  const weighted = plan.weighted;
  if (rawHeaders !== undefined) {
    const match = plan.match;
    for (let r = 0; r < match.length; r++) {
      if (hasHeaderValue(rawHeaders, match[r].header, match[r].value)) return match[r].target;
    }
  }
  if (weighted.length <= 1) return weighted[0];
  if (rawHeaders !== undefined && plan.sticky !== undefined) {
    const fraction = stickyKeyFraction(plan.sticky, rawHeaders);
    if (fraction >= 0) return atPoint(weighted, fraction * plan.totalWeight);
  }
  return atPoint(weighted, random() * plan.totalWeight);
}

function atPoint(weighted: readonly VersionTarget[], point: number): VersionTarget {
  let rest = point;
  for (let i = 0; i < weighted.length; i++) {
    rest -= weighted[i].weight;
    if (rest < 0) return weighted[i];
  }
  return weighted[weighted.length - 1];
}

/** ASCII case-insensitive comparison of a received header name with a lower-case one. */
function isHeaderName(raw: string, lower: string): boolean {
  if (raw.length !== lower.length) return false;
  for (let i = 0; i < raw.length; i++) {
    let c = raw.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Whether any occurrence of the header has exactly this value. */
function hasHeaderValue(rawHeaders: readonly string[], lowerName: string, value: string): boolean {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i + 1] === value && isHeaderName(rawHeaders[i], lowerName)) return true;
  }
  return false;
}

/** The key's fraction in [0, 1), or -1 when the request carries no (non-empty) key. */
function stickyKeyFraction(sticky: StickyKey, rawHeaders: readonly string[]): number {
  if (sticky.source === 'header') {
    for (let i = 0; i < rawHeaders.length; i += 2) {
      if (isHeaderName(rawHeaders[i], sticky.name)) {
        const value = rawHeaders[i + 1];
        return value === '' ? -1 : stickyFraction(sticky.seed, value);
      }
    }
    return -1;
  }
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (!isHeaderName(rawHeaders[i], 'cookie')) continue;
    const fraction = cookieFraction(rawHeaders[i + 1], sticky.name, sticky.seed);
    if (fraction >= 0) return fraction;
  }
  return -1;
}

/** Finds `name=value` in a Cookie header and hashes the value in place (quotes removed). */
function cookieFraction(header: string, name: string, seed: number): number {
  const n = header.length;
  let i = 0;
  while (i < n) {
    while (i < n && (header.charCodeAt(i) === 32 || header.charCodeAt(i) === 9)) i++;
    const semicolon = header.indexOf(';', i);
    const end = semicolon === -1 ? n : semicolon;
    if (end - i > name.length && header.charCodeAt(i + name.length) === 61 && header.startsWith(name, i)) {
      let start = i + name.length + 1;
      let stop = end;
      while (stop > start && (header.charCodeAt(stop - 1) === 32 || header.charCodeAt(stop - 1) === 9)) stop--;
      if (stop - start >= 2 && header.charCodeAt(start) === 34 && header.charCodeAt(stop - 1) === 34) {
        start++;
        stop--;
      }
      return stop > start ? stickyFraction(seed, header, start, stop) : -1;
    }
    i = end + 1;
  }
  return -1;
}
