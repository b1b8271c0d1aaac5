import { describe, expect, it } from 'vitest';
import { createMaskingStream, SECRET_MASK, SecretMasker } from './index.js';
import { secretForms } from './secret-forms.js';

const SECRET = 'sk_live_4f9a1c77e2b0';
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Writes the pieces through a masking stream and returns what it emitted, in order. */
function streamed(masker: SecretMasker, pieces: string[], end = true): string[] {
  const out: string[] = [];
  const stream = createMaskingStream<number>(masker, (index, text) => out.push(`${index}:${text}`));
  pieces.forEach((piece, index) => stream.write(index, piece));
  if (end) stream.end();
  return out;
}

describe('secretForms', () => {
  it('lists the raw value and its base64 forms, and nothing for values too short to mask', () => {
    const forms = secretForms(SECRET);
    expect(forms[0]).toBe(SECRET);
    expect(forms).toContain(b64(SECRET));
    expect(forms).toContain(b64(SECRET).replace(/=+$/, ''));
    expect(forms).toContain(Buffer.from(SECRET).toString('base64url'));
    expect(secretForms('abc')).toEqual([]);
  });
});

describe('SecretMasker.mask', () => {
  const masker = new SecretMasker([SECRET, 'hunter22']);

  it('masks raw, base64 with and without padding, and base64url', () => {
    const url = Buffer.from(`${SECRET}?>`).toString('base64url');
    const text = `raw=${SECRET} padded=${b64(SECRET)} bare=${b64(SECRET).replace(/=+$/, '')} url=${url}`;
    const masked = masker.mask(text);
    expect(masked).not.toContain(SECRET);
    expect(masked).not.toContain(b64(SECRET).replace(/=+$/, ''));
    expect(masked).not.toContain(Buffer.from(SECRET).toString('base64url').slice(0, 20));
    expect(masked).toContain(`raw=${SECRET_MASK} padded=${SECRET_MASK} bare=${SECRET_MASK}`);
  });

  it('masks a value inside a longer base64 text at every byte offset', () => {
    for (const prefix of ['', 'a', 'ab', 'abc', 'Authorization: Basic ']) {
      const encoded = b64(`${prefix}${SECRET}:trailing`);
      const masked = masker.mask(`header ${encoded}`);
      expect(masked, prefix).toContain(SECRET_MASK);
      // What remains around the mask cannot be decoded back into the secret.
      expect(Buffer.from(masked.replace('header ', '').replace(SECRET_MASK, ''), 'base64').toString()).not.toContain(SECRET.slice(2, -2));
    }
  });

  it('masks a value wrapped over lines within one text, keeping the line breaks', () => {
    expect(masker.mask(`key: ${SECRET.slice(0, 7)}\n${SECRET.slice(7)} end`)).toBe(`key: ${SECRET_MASK}\n${SECRET_MASK} end`);
  });

  it('leaves text without secrets untouched, and masks nothing with no values', () => {
    expect(masker.mask('an ordinary line with sk_live and hunter')).toBe('an ordinary line with sk_live and hunter');
    expect(new SecretMasker().mask(SECRET)).toBe(SECRET);
  });

  it('follows new values', () => {
    const changing = new SecretMasker(['first-value']);
    changing.setValues(['second-value']);
    expect(changing.mask('first-value second-value')).toBe(`first-value ${SECRET_MASK}`);
  });
});

describe('createMaskingStream', () => {
  const masker = new SecretMasker([SECRET]);

  it('masks a value split across two lines, in both of them', () => {
    expect(streamed(masker, [SECRET.slice(0, 5), SECRET.slice(5), 'next'])).toEqual([`0:${SECRET_MASK}`, `1:${SECRET_MASK}`, '2:next']);
  });

  it('masks a value split over many pieces, and a wrapped base64 value', () => {
    const pieces = SECRET.match(/.{1,3}/g)!;
    expect(streamed(masker, ['before', ...pieces]).slice(1).every((line) => line.endsWith(SECRET_MASK))).toBe(true);
    const encoded = b64(SECRET);
    const wrapped = streamed(masker, [`token: ${encoded.slice(0, 10)}`, encoded.slice(10, 20), `${encoded.slice(20)} done`]);
    expect(wrapped).toEqual([`0:token: ${SECRET_MASK}`, `1:${SECRET_MASK}`, `2:${SECRET_MASK} done`]);
  });

  it('emits at once what cannot start a secret, and holds only a possible beginning', () => {
    expect(streamed(masker, ['plain line', 'another'], false)).toEqual(['0:plain line', '1:another']);
    expect(streamed(masker, ['plain line', `then ${SECRET.slice(0, 4)}`], false)).toEqual(['0:plain line']);
  });

  it('emits a held beginning unmasked when the secret does not follow', () => {
    expect(streamed(masker, [`ends with ${SECRET.slice(0, 6)}`, 'something else'])).toEqual([`0:ends with ${SECRET.slice(0, 6)}`, '1:something else']);
    expect(streamed(masker, [`ends with ${SECRET.slice(0, 6)}`])).toEqual([`0:ends with ${SECRET.slice(0, 6)}`]);
  });

  it('keeps the order of every piece and loses none', () => {
    const pieces = ['a', SECRET.slice(0, 3), 'b', SECRET, `${SECRET.slice(0, 10)}`, `${SECRET.slice(10)}!`, ''];
    const out = streamed(masker, pieces);
    expect(out.map((line) => Number(line.split(':')[0]))).toEqual(pieces.map((_, i) => i));
    expect(out.join('\n')).not.toContain(SECRET.slice(10));
  });

  it('masks pieces written after end one by one', () => {
    const out: string[] = [];
    const stream = createMaskingStream<string>(masker, (_item, text) => out.push(text));
    stream.end();
    stream.write('late', `late ${SECRET}`);
    expect(out).toEqual([`late ${SECRET_MASK}`]);
  });
});
