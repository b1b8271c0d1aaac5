import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_PREVIEW_NAME_LENGTH, previewStageName } from './preview-name.js';

const STAGE_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const NONE = new Set<string>();

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function expectValid(name: string): void {
  expect(name).toMatch(STAGE_NAME);
  expect(name.length).toBeLessThanOrEqual(MAX_PREVIEW_NAME_LENGTH);
  expect(name).not.toMatch(/--|-$/);
}

describe('previewStageName', () => {
  it.each([
    ['feature/Login_UI', 'feature-login-ui'],
    ['fix-42', 'fix-42'],
    ['123-fix', 'br-123-fix'],
    ['$(touch /tmp/pwned)', 'touch-tmp-pwned'],
    ['--upload-pack=x', 'upload-pack-x'],
    ['../../etc', 'etc'],
    ['feature/café-crème', 'feature-cafe-creme'],
    ['a;rm -rf ~', 'a-rm-rf'],
    ['`id`&&echo', 'id-echo'],
  ])('names %j %j', (branch, expected) => {
    const name = previewStageName(branch, NONE);
    expect(name).toBe(expected);
    expectValid(name);
  });

  it('names a branch of nothing usable from its hash, distinct per branch', () => {
    const rocket = previewStageName('🚀', NONE);
    const empty = previewStageName('', NONE);
    const slashes = previewStageName('///', NONE);
    expect(rocket).toBe(`br-${sha1('🚀').slice(0, 4)}`);
    expect(empty).toBe(`br-${sha1('').slice(0, 4)}`);
    expect(new Set([rocket, empty, slashes]).size).toBe(3);
    for (const name of [rocket, empty, slashes]) expectValid(name);
  });

  it('shortens very long names to 40 characters without a trailing dash', () => {
    const name = previewStageName(`feature/${'a'.repeat(31)}-${'b'.repeat(100)}`, NONE);
    expect(name).toBe(`feature-${'a'.repeat(31)}`);
    expectValid(name);
    expect(previewStageName('x'.repeat(10_000), NONE)).toBe('x'.repeat(40));
  });

  it('gives the same name to the same branch every time', () => {
    const taken = new Set(['feature-x']);
    expect(previewStageName('Feature/X', taken)).toBe(previewStageName('Feature/X', new Set(['feature-x'])));
    expect(previewStageName('feature/x', NONE)).toBe('feature-x');
  });

  it("appends 4 hex of sha1(branch) when another branch's preview holds the name", () => {
    const name = previewStageName('feature_x', new Set(['feature-x']));
    expect(name).toBe(`feature-x-${sha1('feature_x').slice(0, 4)}`);
    expect(previewStageName('Feature-X', new Set(['feature-x']))).not.toBe(name);
  });

  it('keeps a colliding long name within 40 characters, hash included', () => {
    const branch = `release/${'z'.repeat(60)}`;
    const base = previewStageName(branch, NONE);
    const name = previewStageName(branch, new Set([base]));
    expect(name).toBe(`release-${'z'.repeat(27)}-${sha1(branch).slice(0, 4)}`);
    expectValid(name);
  });

  it('uses a longer hash when the short one is taken too', () => {
    const short = `feature-x-${sha1('feature_x').slice(0, 4)}`;
    const name = previewStageName('feature_x', new Set(['feature-x', short]));
    expect(name).toBe(`feature-x-${sha1('feature_x').slice(0, 6)}`);
  });

  it('never takes a reserved stage name', () => {
    const reserved = new Set(['staging', 'prod', 'dev']);
    for (const branch of ['staging', 'Prod', 'dev/', '--dev--']) {
      const name = previewStageName(branch, NONE, { reserved });
      expect(reserved.has(name)).toBe(false);
      expect(name).toBe(`${branch.replace(/[^a-z]/gi, '').toLowerCase()}-${sha1(branch).slice(0, 4)}`);
    }
    expect(previewStageName('staging-2', NONE, { reserved })).toBe('staging-2');
  });

  it('names a fork pull request from its number, never from the fork branch', () => {
    expect(previewStageName('master', NONE, { pr: 12 })).toBe('pr-12');
    expect(previewStageName('$(evil)', NONE, { pr: 7 })).toBe('pr-7');
    const clash = previewStageName('ignored', new Set(['pr-12']), { pr: 12 });
    expect(clash).toBe(`pr-12-${sha1('pr:12').slice(0, 4)}`);
  });
});
