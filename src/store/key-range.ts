// Turns a key prefix into a half-open range [prefix, upper) in Unicode code-point order, which is the order
// of bytewise-compared UTF-8 text on both databases. A range needs no LIKE, so `%` and `_` in keys are plain
// characters, and it uses the primary-key index.

const MAX_CODE_POINT = 0x10ffff;
const SURROGATES_START = 0xd800;
const SURROGATES_END = 0xdfff;

/**
 * The smallest string greater than every string starting with prefix, or undefined when there is none
 * (an empty prefix, or one made only of U+10FFFF): then the range is open above.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const codePoints = Array.from(prefix, (ch) => ch.codePointAt(0) ?? 0);
  while (codePoints.length > 0) {
    const last = codePoints.pop() ?? 0;
    if (last === MAX_CODE_POINT) continue;
    const next = last + 1 === SURROGATES_START ? SURROGATES_END + 1 : last + 1;
    return String.fromCodePoint(...codePoints, next);
  }
  return undefined;
}
