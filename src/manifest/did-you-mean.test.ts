import { describe, expect, it } from 'vitest';
import { closestMatch, didYouMean } from './did-you-mean.js';

describe('closestMatch', () => {
  it('suggests the closest candidate for typos, transpositions and case slips', () => {
    expect(closestMatch('timout', ['handler', 'timeout', 'memory'])).toBe('timeout');
    expect(closestMatch('hnadler', ['handler', 'timeout'])).toBe('handler');
    expect(closestMatch('Memory', ['handler', 'memory'])).toBe('memory');
  });

  it('suggests nothing when no candidate is close', () => {
    expect(closestMatch('wibble', ['handler', 'timeout'])).toBeUndefined();
    expect(didYouMean('wibble', ['handler'])).toBe('');
    expect(didYouMean('envirnment', ['environment'])).toBe(' (did you mean "environment"?)');
  });
});
