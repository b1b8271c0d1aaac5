// Request validation at the API boundary: JSON bodies through zod, with every problem in one INVALID_BODY error.

import type { Context } from 'hono';
import type { z } from 'zod';
import { SluiceError } from '../errors/index.js';

export async function parseBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  let raw: unknown;
  try {
    const text = await c.req.text();
    raw = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new SluiceError('INVALID_BODY', 'The request body is not valid JSON.');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw new SluiceError('INVALID_BODY', `The request body is invalid: ${details}.`);
  }
  return parsed.data;
}
