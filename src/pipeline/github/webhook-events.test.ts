import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { SluiceError } from '../../errors/index.js';
import { parseGithubDelivery, readLimitedBody, WEBHOOK_BODY_LIMIT_BYTES } from './webhook-events.js';

// Real payloads from GitHub's documentation, as packaged by octokit (its main is api.github.com/index.json).
type Payload = Record<string, any>;
const webhooks = createRequire(import.meta.url)('@octokit/webhooks-examples') as { name: string; examples: Payload[] }[];
function examples(name: string): Payload[] {
  return structuredClone(webhooks.find((w) => w.name === name)!.examples) as Payload[];
}
function example(name: string, match: (p: Payload) => boolean): Payload {
  const found = examples(name).find(match);
  if (!found) throw new Error(`no ${name} example matches`);
  return found;
}
const pr = (action: string) => example('pull_request', (p) => p.action === action);

const origin = { repoId: 'r1', deliveryId: 'd-1', source: 'github' };
const parse = (event: string | undefined, body: unknown) => parseGithubDelivery({ event, deliveryId: 'd-1', body, repoId: 'r1' });

describe('parseGithubDelivery: push and delete', () => {
  it('maps a push creating master to a PushEvent without a previous head', () => {
    const payload = example('push', (p) => p.ref === 'refs/heads/master' && p.created);
    expect(parse('push', payload)).toEqual({
      ...origin,
      type: 'push',
      actor: 'Codertocat',
      branch: 'master',
      sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
      before: null,
    });
  });

  it('keeps the previous head of an ordinary push, and branch names with slashes', () => {
    const payload = { ...example('push', (p) => p.ref === 'refs/heads/master'), created: false, ref: 'refs/heads/feature/x', before: 'a'.repeat(40) };
    expect(parse('push', payload)).toMatchObject({ type: 'push', branch: 'feature/x', before: 'a'.repeat(40) });
  });

  it('treats an all-zero before as a created branch even without `created`', () => {
    const { created: _created, ...payload } = example('push', (p) => p.ref === 'refs/heads/master');
    expect(parse('push', payload)).toMatchObject({ type: 'push', before: null });
  });

  it('maps a push deleting a branch to a BranchDeletedEvent', () => {
    const deleted = example('push', (p) => p.deleted);
    expect(parse('push', { ...deleted, ref: 'refs/heads/feature-x' })).toEqual({ ...origin, type: 'branch_deleted', actor: 'Codertocat', branch: 'feature-x' });
  });

  it('ignores tag pushes (created and deleted)', () => {
    for (const payload of examples('push').filter((p) => p.ref.startsWith('refs/tags/'))) expect(parse('push', payload)).toBeNull();
  });

  it('maps a delete event of a branch, and ignores one of a tag', () => {
    const tag = example('delete', (p) => p.ref_type === 'tag');
    expect(parse('delete', tag)).toBeNull();
    expect(parse('delete', { ...tag, ref_type: 'branch', ref: 'feature-x' })).toEqual({ ...origin, type: 'branch_deleted', actor: 'Codertocat', branch: 'feature-x' });
  });

  it('ignores ping and issues, and events with no header are refused', () => {
    expect(parse('ping', examples('ping')[0])).toBeNull();
    expect(parse('issues', examples('issues')[0])).toBeNull();
    expect(() => parse(undefined, {})).toThrow(SluiceError);
  });

  it('omits deliveryId when the header is absent', () => {
    const event = parseGithubDelivery({ event: 'push', deliveryId: undefined, body: example('push', (p) => p.ref === 'refs/heads/master'), repoId: 'r1' });
    expect(event).not.toHaveProperty('deliveryId');
  });

  it('refuses a malformed push with WEBHOOK_PAYLOAD_INVALID naming the field', () => {
    const payload = { ...example('push', (p) => p.ref === 'refs/heads/master'), after: 'not-a-sha' };
    expect(() => parse('push', payload)).toThrow(expect.objectContaining({ code: 'WEBHOOK_PAYLOAD_INVALID', status: 400, message: expect.stringContaining('after') }));
    expect(() => parse('push', 'just text')).toThrow(expect.objectContaining({ code: 'WEBHOOK_PAYLOAD_INVALID' }));
  });
});

describe('parseGithubDelivery: pull_request', () => {
  const base = {
    ...origin,
    type: 'pull_request',
    actor: 'Codertocat',
    number: 2,
    branch: 'changes',
    sha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
    baseBranch: 'master',
    fork: false,
    headCloneUrl: null,
    merged: false,
  };

  it('maps opened, synchronize, reopened, closed and labeled', () => {
    expect(parse('pull_request', pr('opened'))).toEqual({ ...base, action: 'opened', labels: [] });
    expect(parse('pull_request', pr('synchronize'))).toEqual({ ...base, action: 'synchronize', labels: ['bug'] });
    expect(parse('pull_request', pr('reopened'))).toEqual({ ...base, action: 'reopened', labels: ['bug'] });
    expect(parse('pull_request', pr('closed'))).toEqual({ ...base, action: 'closed', labels: ['bug'] });
    expect(parse('pull_request', pr('labeled'))).toEqual({ ...base, action: 'labeled', labels: ['bug'], label: 'bug' });
  });

  it('reports a merged close', () => {
    const payload = pr('closed');
    payload.pull_request.merged = true;
    expect(parse('pull_request', payload)).toMatchObject({ action: 'closed', merged: true });
  });

  it('ignores the other actions without validating their shape', () => {
    for (const action of ['assigned', 'edited', 'unlabeled', 'converted_to_draft', 'ready_for_review', 'locked']) {
      const payload = examples('pull_request').find((p) => p.action === action) ?? { action };
      expect(parse('pull_request', { ...payload, pull_request: null })).toBeNull();
    }
  });

  it('marks a PR from a fork and gives the fork’s clone URL', () => {
    // The examples hold no fork PR: derive one by moving the head to another owner's repository.
    const payload = pr('opened');
    payload.pull_request.head.repo = { ...payload.pull_request.head.repo, full_name: 'mallory/Hello-World', clone_url: 'https://github.com/mallory/Hello-World.git' };
    payload.pull_request.head.ref = 'master';
    payload.sender.login = 'mallory';
    expect(parse('pull_request', payload)).toMatchObject({ fork: true, headCloneUrl: 'https://github.com/mallory/Hello-World.git', branch: 'master', actor: 'mallory' });
  });

  it('treats a PR whose head repository was deleted as a fork without a clone URL', () => {
    const payload = pr('closed');
    payload.pull_request.head.repo = null;
    expect(parse('pull_request', payload)).toMatchObject({ fork: true, headCloneUrl: null });
  });

  it('refuses a handled action with a malformed payload', () => {
    const payload = pr('opened');
    delete payload.pull_request.head.sha;
    expect(() => parse('pull_request', payload)).toThrow(expect.objectContaining({ code: 'WEBHOOK_PAYLOAD_INVALID', message: expect.stringContaining('pull_request.head.sha') }));
    expect(() => parse('pull_request', { ...pr('opened'), number: 'two' })).toThrow(expect.objectContaining({ code: 'WEBHOOK_PAYLOAD_INVALID' }));
    expect(() => parse('pull_request', {})).toThrow(expect.objectContaining({ code: 'WEBHOOK_PAYLOAD_INVALID' }));
  });
});

describe('readLimitedBody', () => {
  const post = (body: Buffer | ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
    new Request('http://localhost/hooks/github', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

  it('documents a limit of 1 MiB', () => {
    expect(WEBHOOK_BODY_LIMIT_BYTES).toBe(1024 * 1024);
  });

  it('returns the exact bytes of a body within the limit', async () => {
    const bytes = Buffer.from(JSON.stringify(pr('opened')));
    const read = await readLimitedBody(post(bytes), bytes.length);
    expect(read.equals(bytes)).toBe(true);
    expect((await readLimitedBody(new Request('http://localhost/', { method: 'POST' }), 10)).length).toBe(0);
  });

  it('refuses a declared Content-Length over the limit before reading anything', async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(10));
      },
    });
    await expect(readLimitedBody(post(stream, { 'content-length': '2000' }), 1000)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413 });
    expect(pulled).toBeLessThanOrEqual(1); // a stream may prefetch one chunk on its own; nothing was consumed by us
  });

  it('stops reading a stream as soon as it passes the limit', async () => {
    let pulled = 0;
    let canceled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(400));
      },
      cancel() {
        canceled = true;
      },
    });
    await expect(readLimitedBody(post(stream), 1000)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(pulled).toBeLessThanOrEqual(4); // 3 chunks cross 1000 bytes (+1 the stream may have queued)
    await new Promise((resolve) => setImmediate(resolve));
    expect(canceled).toBe(true);
  });
});
