// GitHub webhook signatures: HMAC-SHA256 of the raw request body, sent as `X-Hub-Signature-256: sha256=<hex>`.
// Only the SHA-256 header counts; the legacy `X-Hub-Signature: sha1=…` is never accepted, since SHA-1 alone
// would let a downgrade through. The comparison is constant-time so the digest cannot be guessed byte by byte.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { SluiceError } from '../../errors/index.js';

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/** The `X-Hub-Signature-256` value GitHub would send for this body (for tests and tools). */
export function signGithubPayload(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * True when `header` is `sha256=<64 hex>` and matches the HMAC of exactly these bytes. Anything else is
 * false: a missing header, another algorithm, malformed or truncated hex, and an empty secret (an empty key
 * would make every forged signature computable).
 */
export function verifyGithubSignature(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!secret || typeof header !== 'string') return false;
  const match = SIGNATURE.exec(header.trim());
  if (!match) return false;
  const received = Buffer.from(match[1]!, 'hex');
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  // Both are 32 bytes here (the regex fixes the length); the check keeps timingSafeEqual from throwing if that changes.
  return received.length === expected.length && timingSafeEqual(received, expected);
}

/** verifyGithubSignature, throwing WEBHOOK_SIGNATURE_INVALID (401) for a route to answer with. */
export function assertGithubSignature(secret: string, rawBody: Buffer, header: string | undefined): void {
  if (verifyGithubSignature(secret, rawBody, header)) return;
  throw new SluiceError(
    'WEBHOOK_SIGNATURE_INVALID',
    header ? 'The webhook signature (X-Hub-Signature-256) does not match the body.' : 'The webhook carries no X-Hub-Signature-256 header.',
  );
}
