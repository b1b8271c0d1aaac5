// Unit tests of the key-prefix range bound; the contract suite checks the queries built on it.

import { describe, expect, it } from 'vitest';
import { prefixUpperBound } from './key-range.js';

describe('prefixUpperBound', () => {
  it('increments the last code point', () => {
    expect(prefixUpperBound('a%')).toBe('a&');
    expect(prefixUpperBound('user:')).toBe('user;');
    expect(prefixUpperBound('a😀')).toBe('a😁');
  });

  it('skips the surrogate range', () => {
    expect(prefixUpperBound('a\u{D7FF}')).toBe('a\u{E000}');
  });

  it('drops trailing U+10FFFF and has no bound when nothing is left', () => {
    expect(prefixUpperBound('ab\u{10FFFF}\u{10FFFF}')).toBe('ac');
    expect(prefixUpperBound('\u{10FFFF}')).toBeUndefined();
    expect(prefixUpperBound('')).toBeUndefined();
  });
});
