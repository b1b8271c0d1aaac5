// The forms a secret value takes when a program prints it: raw, and base64-encoded in every way that is
// common: standard and URL-safe alphabets, with and without padding, and inside a longer encoded text (the
// secret's bytes start at any offset modulo 3 there, which gives three different encodings; only the
// characters that depend on the secret's bytes alone are kept). Line breaks never count, so a value wrapped
// over several lines still matches (the masker compares text with its line breaks removed).

/** Values shorter than this are not masked: masking `dev` or `1234` would mangle ordinary text. */
export const MIN_SECRET_LENGTH = 4;
/** Encoded forms shorter than this are too likely to occur by chance in ordinary text. */
export const MIN_ENCODED_LENGTH = 6;

export function withoutLineBreaks(text: string): string {
  return text.includes('\n') || text.includes('\r') ? text.replace(/[\r\n]/g, '') : text;
}

/** The raw value and its base64 forms, without line breaks; empty for values too short to mask. */
export function secretForms(value: string): string[] {
  const raw = withoutLineBreaks(value);
  if (raw.length < MIN_SECRET_LENGTH) return [];
  const bytes = Buffer.from(value, 'utf8');
  const encoded = new Set<string>();
  const padded = bytes.toString('base64');
  for (const form of [padded, padded.replace(/=+$/, '')]) {
    encoded.add(form);
    encoded.add(urlSafe(form));
  }
  for (const shift of [0, 1, 2]) {
    const text = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    // Characters [start, end) carry only bits of the secret: each base64 character holds 6 bits.
    const core = text.slice(Math.ceil((shift * 8) / 6), Math.floor(((shift + bytes.length) * 8) / 6));
    encoded.add(core);
    encoded.add(urlSafe(core));
  }
  const forms = [raw, ...[...encoded].filter((form) => form.length >= MIN_ENCODED_LENGTH && form !== raw)];
  return forms;
}

function urlSafe(base64: string): string {
  return base64.replace(/\+/g, '-').replace(/\//g, '_');
}
