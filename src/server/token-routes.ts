// API routes for tokens: create (the token is in this one answer and nowhere else, ever), list, revoke, and
// `whoami` for the CLI's `sluice login`. Token changes go on the audit timeline with the token's name only.

import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import { z } from 'zod';
import { changeWithEvents, type EngineContext } from '../engine/index.js';
import { SluiceError } from '../errors/index.js';
import type { TokenRecord } from '../store/index.js';
import { ROLES } from './access-policy.js';
import { RESERVED_TOKEN_NAMES, actorOf, generateToken, hashToken } from './caller-identity.js';
import { parseBody } from './request-body.js';
import { parseTimeSpan } from './time-span.js';

const NAME = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, starting with a letter');

const createBody = z.object({
  name: NAME.refine((name) => !RESERVED_TOKEN_NAMES.includes(name), { message: `${RESERVED_TOKEN_NAMES.join(', ')} are reserved` }),
  role: z.enum(ROLES as [string, ...string[]]),
  profiles: z.array(NAME).min(1).max(50).optional(),
  expires: z.string().max(20).optional(),
});

export interface CreatedToken {
  /** The token itself: shown once, stored only as its sha256. */
  token: string;
  record: TokenRecord;
}

export function registerTokenRoutes(api: Hono, engine: EngineContext): void {
  const { store } = engine;

  api.get('/api/whoami', (c) => {
    const caller = c.get('caller');
    return c.json({ ...caller, actor: actorOf(c) });
  });

  api.get('/api/tokens', async (c) => c.json({ tokens: await store.listTokens() }));

  api.post('/api/tokens', async (c) => {
    const body = await parseBody(c, createBody);
    const expiresAt = body.expires ? engine.now() + parseTimeSpan(body.expires, 'expires') : null;
    const token = generateToken();
    const actor = actorOf(c);
    const profiles = body.profiles ? [...new Set(body.profiles)].sort() : null;
    const record = await changeWithEvents(engine, async (tx) => {
      const created = await tx.createToken({ id: randomUUID(), name: body.name, tokenHash: hashToken(token), role: body.role as TokenRecord['role'], profiles, createdBy: actor, expiresAt });
      const payload = { token: created.name, role: created.role, profiles: created.profiles, expiresAt: created.expiresAt };
      return { value: created, events: [{ type: 'token.created', actor, app: null, stage: null, service: null, payload }] };
    });
    return c.json({ token, record } satisfies CreatedToken, 201);
  });

  api.post('/api/tokens/:name/revoke', async (c) => {
    const name = c.req.param('name');
    const actor = actorOf(c);
    const record = await changeWithEvents(engine, async (tx) => {
      const revoked = await tx.revokeToken(name, actor);
      return { value: revoked, events: revoked ? [{ type: 'token.revoked', actor, app: null, stage: null, service: null, payload: { token: revoked.name, role: revoked.role } }] : [] };
    });
    if (!record) throw new SluiceError('NOT_FOUND', `No live token named ${name}.`, { hint: '`sluice tokens list` shows the tokens and which are revoked.' });
    return c.json({ record });
  });
}
