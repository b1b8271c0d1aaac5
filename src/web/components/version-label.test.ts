import { describe, expect, it } from 'vitest';
import { describeVersions } from './version-label.js';

describe('describeVersions', () => {
  it('names the newest version when every function serves one', () => {
    const label = describeVersions([
      { function: 'get', number: 6, weight: 100 },
      { function: 'list', number: 7, weight: 100 },
    ]);
    expect(label).toEqual({ text: 'v7', split: false, detail: 'get v6, list v7' });
  });

  it('shows the split of a rollout, old version first', () => {
    const label = describeVersions([
      { function: 'submit', number: 13, weight: 10 },
      { function: 'submit', number: 12, weight: 90 },
    ]);
    expect(label.text).toBe('v12 90% · v13 10%');
    expect(label.split).toBe(true);
  });

  it('says so for a service without functions', () => {
    expect(describeVersions([]).detail).toBe('no functions, resources only');
  });
});
