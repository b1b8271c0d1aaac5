// The stage name of a branch's or pull request's preview. Branch names are untrusted text (any bytes git
// allows, chosen by whoever can push or open a PR): the stage name is derived from them, never the other
// way round, and is always a valid, short stage name that no mapped stage and no other preview holds.
import { createHash } from 'node:crypto';

/** Short enough to leave room for app and service names in URLs and physical resource names. */
export const MAX_PREVIEW_NAME_LENGTH = 40;
/** Put before a name that would not start with a letter (`123-fix` → `br-123-fix`). */
const PREFIX = 'br';
const SHORT_HASH_LENGTH = 4;
/** 64 bits: past this a collision is not chance but a `taken` set built to exhaust the names. */
const LONG_HASH_LENGTH = 16;

export interface PreviewNameOptions {
  /** A fork pull request: the name comes from `pr-<number>`, never from the fork's branch name. */
  pr?: number;
  /** Stage names a preview must never take (the mapped stages, `staging`, `prod`, developers' stages). */
  reserved?: ReadonlySet<string>;
}

/**
 * `feature/Login_UI` → `feature-login-ui`. Deterministic: the same branch, with the same names taken by other
 * branches, always gets the same name. On a collision with `taken` or `reserved`, `-` and the first hex
 * characters of sha1(branch) are appended (4, more only if those collide too).
 */
export function previewStageName(branch: string, taken: ReadonlySet<string>, options: PreviewNameOptions = {}): string {
  const source = options.pr === undefined ? branch : `pr-${options.pr}`;
  const base = sanitize(source);
  const unavailable = (name: string): boolean => taken.has(name) || (options.reserved?.has(name) ?? false);
  if (base !== '' && !unavailable(base)) return base;
  const digest = createHash('sha1').update(options.pr === undefined ? branch : `pr:${options.pr}`).digest('hex');
  for (let length = SHORT_HASH_LENGTH; length <= LONG_HASH_LENGTH; length += 2) {
    const suffix = digest.slice(0, length);
    const name = base === '' ? `${PREFIX}-${suffix}` : `${trimDashes(base.slice(0, MAX_PREVIEW_NAME_LENGTH - suffix.length - 1))}-${suffix}`;
    if (!unavailable(name)) return name;
  }
  throw new Error(`no preview stage name is left for branch ${JSON.stringify(branch)}`);
}

/** Lowercase letters, digits and single dashes, starting with a letter; empty when nothing usable is left. */
function sanitize(text: string): string {
  const ascii = text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
  let name = trimDashes(ascii.replace(/[^a-z0-9]+/g, '-'));
  if (name === '') return '';
  if (!/^[a-z]/.test(name)) name = `${PREFIX}-${name}`;
  return trimDashes(name.slice(0, MAX_PREVIEW_NAME_LENGTH));
}

function trimDashes(text: string): string {
  return text.replace(/^-+|-+$/g, '');
}
