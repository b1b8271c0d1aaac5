// POST /api/secrets/rotate-key (admin, on every profile): a new master key, with every secret and every
// secret value of every function version re-encrypted. The work is the composition's (key file, store,
// gateway process); this route validates the body and names the caller.

import type { Hono } from 'hono';
import { z } from 'zod';
import { SluiceError } from '../errors/index.js';
import { actorOf } from './caller-identity.js';
import { parseBody } from './request-body.js';
import type { KeyRotation } from './ports.js';

const rotateBody = z.object({
  key: z.string().min(1).max(200).optional(),
  skipUnreadable: z.boolean().default(false),
});

export function registerSecretKeyRoutes(api: Hono, rotation: KeyRotation | undefined): void {
  api.post('/api/secrets/rotate-key', async (c) => {
    if (!rotation) throw new SluiceError('NOT_FOUND', 'This control plane cannot rotate its master key.');
    const body = await parseBody(c, rotateBody);
    return c.json(await rotation.rotate({ ...body, actor: actorOf(c) }));
  });
}
