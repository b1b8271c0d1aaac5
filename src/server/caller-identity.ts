// Who is calling: a stored API token (found by its sha256), the bootstrap token given to `sluice up` as
// SLUICE_TOKEN (an admin), or, on a loopback-only control plane where no token was ever created, the local
// user as admin, so the Quick start needs no token. Anything else is 401 UNAUTHORIZED.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { SluiceError } from '../errors/index.js';
import type { Store, TokenRecord, TokenRole } from '../store/index.js';

export interface CallerIdentity {
  kind: 'token' | 'bootstrap' | 'local';
  /** The token's name, `bootstrap`, or the local user's name as the CLI reports it. */
  name: string;
  role: TokenRole;
  /** The profiles the caller may act on; null for every profile. */
  profiles: string[] | null;
}

declare module 'hono' {
  interface ContextVariableMap {
    caller: CallerIdentity;
  }
}

/** A recognisable prefix (secret scanners and people spot it) and 256 random bits. */
export const TOKEN_PREFIX = 'slc_';

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Names the timeline cannot confuse with a token's name. */
export const RESERVED_TOKEN_NAMES = ['bootstrap', 'sluice', 'local'];

/** Header the CLI sends with the local user's name; only a tokenless local admin is named by it. */
export const LOCAL_USER_HEADER = 'x-sluice-user';

export interface AuthenticationOptions {
  store: Pick<Store, 'findTokenByHash' | 'markTokenUsed' | 'hasTokens'>;
  /** SLUICE_TOKEN given to `sluice up`: valid as an admin token for as long as it is set. */
  bootstrapToken?: string;
  /** Whether the API listens on loopback only. */
  loopback: boolean;
  now(): number;
}

/** Don't write "last used" on every call: once a minute per token is enough to read. */
const LAST_USED_RESOLUTION_MS = 60_000;

export class CallerAuthentication {
  readonly #bootstrapDigest: Buffer | undefined;
  // Tokens are never deleted, so once one exists the answer never goes back to false.
  #tokensExist = false;

  constructor(private readonly options: AuthenticationOptions) {
    this.#bootstrapDigest = options.bootstrapToken ? createHash('sha256').update(options.bootstrapToken).digest() : undefined;
  }

  async identify(c: Context): Promise<CallerIdentity> {
    const header = c.req.header('authorization') ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (given) return this.#identifyToken(given);
    if (await this.#localUserIsAdmin()) return { kind: 'local', name: localUserName(c.req.header(LOCAL_USER_HEADER)), role: 'admin', profiles: null };
    throw new SluiceError('UNAUTHORIZED', 'This control plane requires a token.');
  }

  async #identifyToken(given: string): Promise<CallerIdentity> {
    const digest = createHash('sha256').update(given).digest();
    if (this.#bootstrapDigest && timingSafeEqual(digest, this.#bootstrapDigest)) return { kind: 'bootstrap', name: 'bootstrap', role: 'admin', profiles: null };
    const record = await this.options.store.findTokenByHash(digest.toString('hex'));
    if (!record) throw new SluiceError('UNAUTHORIZED', 'The token is not valid for this control plane.');
    const now = this.options.now();
    refuseUnusable(record, now);
    if (record.lastUsedAt === null || now - record.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
      await this.options.store.markTokenUsed(record.id, now);
    }
    return { kind: 'token', name: record.name, role: record.role, profiles: record.profiles };
  }

  async #localUserIsAdmin(): Promise<boolean> {
    if (!this.options.loopback || this.#bootstrapDigest) return false;
    if (!this.#tokensExist) this.#tokensExist = await this.options.store.hasTokens();
    return !this.#tokensExist;
  }
}

function refuseUnusable(record: TokenRecord, now: number): void {
  const hint = 'Ask an admin for a new token (`sluice tokens create`), then `sluice login` with it.';
  if (record.revokedAt !== null) throw new SluiceError('UNAUTHORIZED', `The token ${record.name} was revoked.`, { hint });
  if (record.expiresAt !== null && record.expiresAt <= now) {
    throw new SluiceError('UNAUTHORIZED', `The token ${record.name} expired on ${new Date(record.expiresAt).toISOString()}.`, { hint });
  }
}

/** `local:alice`: the name the CLI reports, reduced to characters that cannot forge another entry. */
function localUserName(reported: string | undefined): string {
  const cleaned = (reported ?? '').replace(/[^A-Za-z0-9._@-]/g, '').slice(0, 64);
  return cleaned || 'user';
}

/**
 * The actor the timeline records for what this call does. Only the tokenless local admin may name itself
 * (the CLI's `actor` field, as before tokens); everyone else is who their token says.
 */
export function actorOf(c: Context, claimed?: string): string {
  const caller = c.get('caller');
  if (caller.kind !== 'local') return caller.name;
  return `local:${claimed ? localUserName(claimed) : caller.name}`;
}
