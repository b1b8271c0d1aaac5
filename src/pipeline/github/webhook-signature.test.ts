import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { SluiceError } from '../../errors/index.js';
import { assertGithubSignature, signGithubPayload, verifyGithubSignature } from './webhook-signature.js';

// The package's main is its api.github.com/index.json: every webhook with GitHub's documented examples.
const webhooks = createRequire(import.meta.url)('@octokit/webhooks-examples') as { name: string; examples: object[] }[];
const secret = 'It’s a Secret to Everybody';
// The bytes GitHub would send: a real push payload, pretty-printed like GitHub's deliveries.
const push = webhooks.find((w) => w.name === 'push')!.examples[4]!;
const body = Buffer.from(JSON.stringify(push, null, 2));
const hex = createHmac('sha256', secret).update(body).digest('hex');

describe('verifyGithubSignature', () => {
  it('accepts the sha256 signature of exactly these bytes', () => {
    expect(signGithubPayload(secret, body)).toBe(`sha256=${hex}`);
    expect(verifyGithubSignature(secret, body, `sha256=${hex}`)).toBe(true);
    expect(verifyGithubSignature(secret, body, `sha256=${hex.toUpperCase()}`)).toBe(true);
  });

  it('matches the example from GitHub’s documentation', () => {
    // docs.github.com "Validating webhook deliveries": secret "It's a Secret to Everybody", payload "Hello, World!".
    expect(signGithubPayload("It's a Secret to Everybody", 'Hello, World!')).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });

  it('rejects another secret, another body and an empty secret', () => {
    expect(verifyGithubSignature('another secret', body, `sha256=${hex}`)).toBe(false);
    expect(verifyGithubSignature(secret, Buffer.concat([body, Buffer.from(' ')]), `sha256=${hex}`)).toBe(false);
    expect(verifyGithubSignature('', body, signGithubPayload('', body))).toBe(false);
  });

  it('rejects a missing header, sha1 only, truncated, padded and non-hex signatures', () => {
    const sha1 = `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
    for (const header of [undefined, '', sha1, hex, `sha256=${hex.slice(0, 62)}`, `sha256=${hex}00`, `sha256=${hex.slice(0, 63)}g`, `sha512=${hex}`, 'sha256=']) {
      expect({ header, valid: verifyGithubSignature(secret, body, header) }).toEqual({ header, valid: false });
    }
  });

  it('assertGithubSignature throws WEBHOOK_SIGNATURE_INVALID with status 401', () => {
    expect(() => assertGithubSignature(secret, body, `sha256=${hex}`)).not.toThrow();
    const error = catchError(() => assertGithubSignature(secret, body, undefined));
    expect(error).toBeInstanceOf(SluiceError);
    expect(error).toMatchObject({ code: 'WEBHOOK_SIGNATURE_INVALID', status: 401 });
    expect(catchError(() => assertGithubSignature('x', body, `sha256=${hex}`))).toMatchObject({ code: 'WEBHOOK_SIGNATURE_INVALID' });
  });
});

function catchError(run: () => void): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
