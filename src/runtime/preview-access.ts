// The token check in front of protected previews (`previews.protect`). A request may carry a Sluice token
// as `Authorization: Bearer …`, as header x-sluice-token, or as `?sluice_token=…` (a browser following a
// link). Valid are the control plane's SLUICE_TOKEN, when the gateway was given it, and any API token of the
// store that is neither revoked nor expired. Answers are cached for a few seconds, valid and invalid alike,
// so a flood of requests (or of bad tokens) costs the store one lookup per token and period; a revoked
// token therefore works for at most that long. The cache is bounded: the oldest entries go first.
// A handler never sees a Sluice credential: x-sluice-token and sluice_token are always removed, and an
// Authorization header is removed when it carried a valid Sluice token (otherwise it may be the app's own).

import { createHash, timingSafeEqual } from 'node:crypto';
import { decodeQueryComponent } from './http-event.js';
import type { RuntimeStore } from './runtime-store.js';

export const TOKEN_HEADER = 'x-sluice-token';
export const TOKEN_PARAMETER = 'sluice_token';

export interface PreviewAccessOptions {
  store: Pick<RuntimeStore, 'findTokenByHash'>;
  /** The control plane's SLUICE_TOKEN, if it has one. */
  bootstrapToken?: string;
  now(): number;
  /** How long an answer is trusted. Default 5 s. */
  cacheMs?: number;
  /** Most tokens remembered. Default 10,000. */
  cacheSize?: number;
}

/** The request as the handler gets it, without Sluice's credentials. */
export interface AdmittedRequest {
  rawHeaders: string[];
  rawQueryString: string;
}

/** The tokens a request presents, and the request without the ones that are always removed. */
export interface PresentedTokens {
  header?: string;
  query?: string;
  bearer?: string;
  /** Headers without x-sluice-token (Authorization is still there). */
  rawHeaders: string[];
  /** The query string without sluice_token. */
  rawQueryString: string;
}

export function presentedTokens(rawHeaders: readonly string[], rawQueryString: string): PresentedTokens {
  const presented: PresentedTokens = { rawHeaders: [], rawQueryString };
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = rawHeaders[i + 1];
    if (name === TOKEN_HEADER) {
      presented.header ??= value.trim() || undefined;
      continue;
    }
    if (name === 'authorization' && presented.bearer === undefined && /^bearer /i.test(value)) presented.bearer = value.slice(7).trim() || undefined;
    presented.rawHeaders.push(rawHeaders[i], value);
  }
  if (rawQueryString.includes(TOKEN_PARAMETER) || rawQueryString.includes('%')) {
    const kept: string[] = [];
    for (const pair of rawQueryString.split('&')) {
      const eq = pair.indexOf('=');
      if (decodeQueryComponent(eq === -1 ? pair : pair.slice(0, eq)) !== TOKEN_PARAMETER) {
        kept.push(pair);
        continue;
      }
      presented.query ??= (eq === -1 ? '' : decodeQueryComponent(pair.slice(eq + 1))) || undefined;
    }
    presented.rawQueryString = kept.join('&');
  }
  return presented;
}

interface CachedAnswer {
  until: number;
  valid: Promise<boolean>;
}

export class PreviewAccess {
  readonly #bootstrapDigest: Buffer | undefined;
  readonly #cache = new Map<string, CachedAnswer>();
  readonly #cacheMs: number;
  readonly #cacheSize: number;

  constructor(private readonly options: PreviewAccessOptions) {
    this.#bootstrapDigest = options.bootstrapToken ? sha256(options.bootstrapToken) : undefined;
    this.#cacheMs = options.cacheMs ?? 5000;
    this.#cacheSize = options.cacheSize ?? 10_000;
  }

  /**
   * The request to hand the handler, or undefined when it carries no valid token. Rejects when the store
   * cannot answer (nothing is cached then).
   */
  async admit(rawHeaders: readonly string[], rawQueryString: string): Promise<AdmittedRequest | undefined> {
    const presented = presentedTokens(rawHeaders, rawQueryString);
    const [header, query, bearer] = await Promise.all([presented.header, presented.query, presented.bearer].map((token) => (token === undefined ? false : this.isValid(token))));
    if (!header && !query && !bearer) return undefined;
    const headers = bearer ? withoutAuthorization(presented.rawHeaders) : presented.rawHeaders;
    return { rawHeaders: headers, rawQueryString: presented.rawQueryString };
  }

  /** Whether the token opens protected previews: SLUICE_TOKEN, or a stored token not revoked and not expired. */
  isValid(token: string): Promise<boolean> {
    const digest = sha256(token);
    if (this.#bootstrapDigest !== undefined && timingSafeEqual(digest, this.#bootstrapDigest)) return Promise.resolve(true);
    const key = digest.toString('hex');
    const now = this.options.now();
    const cached = this.#cache.get(key);
    if (cached !== undefined && cached.until > now) return cached.valid;
    if (cached !== undefined) this.#cache.delete(key);
    // Concurrent requests with the same token share one lookup; a failed lookup is forgotten at once.
    const valid = this.options.store.findTokenByHash(key).then((record) => {
      const usable = record !== undefined && record.revokedAt === null && (record.expiresAt === null || record.expiresAt > this.options.now());
      if (usable && record.expiresAt !== null) answer.until = Math.min(answer.until, record.expiresAt);
      return usable;
    });
    const answer: CachedAnswer = { until: now + this.#cacheMs, valid };
    valid.catch(() => {
      if (this.#cache.get(key) === answer) this.#cache.delete(key);
    });
    if (this.#cache.size >= this.#cacheSize) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(key, answer);
    return valid;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function withoutAuthorization(rawHeaders: string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i].toLowerCase() !== 'authorization') kept.push(rawHeaders[i], rawHeaders[i + 1]);
  return kept;
}
