// The GitHub path end to end: a real `sluice up` (with a SLUICE_TOKEN, so "no token for forks" means
// something) reporting to a stand-in GitHub API on a loopback port, fed signed webhook deliveries built
// from GitHub's documented payloads (@octokit/webhooks-examples) rewritten to point at local bare repositories.
// A same-repository PR gets a preview, commit statuses and one comment updated in place; a fork PR gets
// checks without secrets or token until an approver labels it; unsigned, replayed and oversized deliveries
// start nothing; closing a PR destroys its preview.

import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUrl, signGithubPayload } from '../../src/pipeline/index.js';
import type { PipelineRunRecord } from '../../src/store/index.js';
import { openStore } from '../../src/store/index.js';
import { startGithubApiRecorder, type GithubApiRecorder, type HeldComment } from '../support/github-api-recorder.js';
import { eventually, hello, pipelineClient, run, shopRepository, type ShopRepository } from '../support/pipeline-harness.js';
import { startUp, tempDir, type RunningControlPlane } from '../support/sluice-process.js';

type Payload = Record<string, any>;
const webhooks = createRequire(import.meta.url)('@octokit/webhooks-examples') as { name: string; examples: Payload[] }[];

const GITHUB_REPO = 'octo/shop';
const BOT = 'sluice-bot';
const CONTROL_TOKEN = `sluice-test-${randomBytes(16).toString('hex')}`;
const CHECK_SECRET = `dev-check-secret-${randomBytes(6).toString('hex')}`;
const MARKER = '<!-- sluice:preview:shop -->';

let recorder: GithubApiRecorder;
let plane: RunningControlPlane;
let home: Awaited<ReturnType<typeof tempDir>>;
let shop: ShopRepository;
let forkRemote: string;
let webhookSecret: string;
let masterSha: string;
const client = pipelineClient(() => plane.api, { token: CONTROL_TOKEN });

beforeAll(async () => {
  recorder = await startGithubApiRecorder({ login: BOT });
  home = await tempDir('sluice-github-home-');
  shop = await shopRepository('sluice-github-repos-');
  masterSha = await shop.git('rev-parse', 'HEAD');
  forkRemote = join(shop.dir, 'fork.git');
  plane = await startUp({
    home: home.path,
    env: { SLUICE_TOKEN: CONTROL_TOKEN, SLUICE_GITHUB_TOKEN: 'test-token', SLUICE_GITHUB_API_URL: recorder.url, SLUICE_GITHUB_LOGIN: BOT },
  });
  await client.api('/api/profiles/dev/secrets/CHECK_TOKEN', { method: 'PUT', body: JSON.stringify({ value: CHECK_SECRET }) });
  await client.api('/api/profiles/staging/secrets/CHECK_TOKEN', { method: 'PUT', body: JSON.stringify({ value: `staging-${CHECK_SECRET}` }) });
  const connected = await client.api<{ repository: { id: string; webhookSecretSet: boolean }; webhookSecret: string | null; webhookUrl: string }>('/api/repositories', {
    method: 'POST',
    body: JSON.stringify({ app: 'shop', kind: 'github', url: shop.remote, githubRepo: GITHUB_REPO, pollIntervalMs: 0 }),
  });
  expect(connected.webhookSecret).toMatch(/^[0-9a-f]{48}$/);
  expect(connected.webhookUrl).toBe(`${plane.api}/hooks/github`);
  webhookSecret = connected.webhookSecret!;
  // Connecting looks at the branches once: master deploys staging.
  const staging = await client.waitForRun((r) => r.branch === 'master');
  expect(staging.status, `${staging.reason}\n${await client.logsOf(staging)}`).toBe('succeeded');
});

afterAll(async () => {
  await plane?.stop();
  await recorder?.close();
  await shop?.remove();
  await home?.remove();
});

interface PullRequestHead {
  number: number;
  branch: string;
  sha: string;
  /** `owner/name` of the head repository: GITHUB_REPO for a same-repository PR. */
  headRepo: string;
  cloneUrl: string;
  labels?: string[];
  /** `labeled`: the label just added. */
  label?: string;
  /** `synchronize`: the previous head. */
  before?: string;
  sender?: string;
}

/** GitHub's documented payload for `action`, with the fields the pipeline reads pointed at the local repositories. */
function pullRequestPayload(action: string, head: PullRequestHead): Payload {
  const payload = structuredClone(webhooks.find((w) => w.name === 'pull_request')!.examples.find((p) => p.action === action)!);
  const pr = payload.pull_request;
  payload.number = head.number;
  pr.number = head.number;
  pr.head.ref = head.branch;
  pr.head.sha = head.sha;
  pr.head.label = `${head.headRepo.split('/')[0]}:${head.branch}`;
  pr.head.repo = { ...pr.head.repo, full_name: head.headRepo, name: 'shop', clone_url: head.cloneUrl };
  pr.base.ref = 'master';
  pr.base.sha = masterSha;
  pr.base.repo = { ...pr.base.repo, full_name: GITHUB_REPO, name: 'shop', clone_url: shop.remote };
  pr.labels = (head.labels ?? []).map((name) => ({ name }));
  pr.merged = false;
  payload.repository = { ...payload.repository, full_name: GITHUB_REPO, name: 'shop', clone_url: shop.remote };
  payload.sender = { ...payload.sender, login: head.sender ?? 'alice' };
  if (action === 'labeled') payload.label = { ...payload.label, name: head.label };
  if (action === 'synchronize') {
    payload.before = head.before;
    payload.after = head.sha;
  }
  return payload;
}

interface DeliveryOptions {
  deliveryId?: string;
  /** The X-Hub-Signature-256 header; null leaves it out. Default: the right signature. */
  signature?: string | null;
  headers?: Record<string, string>;
}

async function deliver(event: string, body: string | Payload, options: DeliveryOptions = {}): Promise<{ status: number; body: Payload }> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const signature = options.signature === undefined ? signGithubPayload(webhookSecret, text) : options.signature;
  const response = await fetch(`${plane.api}/hooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': options.deliveryId ?? randomUUID(),
      ...(signature === null ? {} : { 'x-hub-signature-256': signature }),
      ...options.headers,
    },
    body: text,
  });
  return { status: response.status, body: (await response.json()) as Payload };
}

const botComments = (issue: number): HeldComment[] => recorder.commentsOn(GITHUB_REPO, issue).filter((c) => c.user.login === BOT);
const commentPosts = (issue: number) => recorder.calls.filter((c) => c.method === 'POST' && c.path === `/repos/${GITHUB_REPO}/issues/${issue}/comments`);
/** Where a status or comment links to for a run (the dashboard's run page). */
const linkTo = (r: PipelineRunRecord) => runUrl({ apiUrl: () => plane.api }, r);
const runIds = async () => (await client.runs()).map((r) => r.id).sort();

/** Waits until GitHub has seen a final status for `sha` (reporting is asynchronous), and returns them all. */
function finalStatuses(sha: string, state = 'success') {
  return eventually(() => {
    const statuses = recorder.statuses(sha);
    return statuses.at(-1)?.state === state ? statuses : undefined;
  }, `a ${state} status for ${sha.slice(0, 7)}`);
}

describe('a pull request from a branch of the repository', () => {
  let first: PipelineRunRecord;
  let firstSha: string;
  let commentId: number;

  it('gets a preview, pending then success statuses linking to the run, and one comment with its URLs', async () => {
    // Someone else pasted the marker into a comment: it is not the bot's, so it must never be overwritten.
    recorder.comments.push({ id: 1, issue: `${GITHUB_REPO}#7`, body: `${MARKER}\nnot yours`, user: { login: 'mallory' } });
    await shop.git('checkout', '--quiet', '-b', 'feature/pay');
    await shop.setEdition('two');
    await shop.git('commit', '--quiet', '-am', 'Edition two');
    firstSha = await shop.git('rev-parse', 'HEAD');
    await shop.git('push', '--quiet', 'origin', 'feature/pay');

    const delivery = await deliver('pull_request', pullRequestPayload('opened', { number: 7, branch: 'feature/pay', sha: firstSha, headRepo: GITHUB_REPO, cloneUrl: shop.remote }));
    expect(delivery.status).toBe(202);
    expect(delivery.body).toMatchObject({ status: 'accepted', runs: [{ kind: 'preview', branch: 'feature/pay', sha: firstSha, stage: 'feature-pay' }] });
    first = await client.waitForRun((r) => r.id === delivery.body.runs[0].id);
    const logs = await client.logsOf(first);
    expect(first.status, `${first.reason}\n${logs}`).toBe('succeeded');
    expect(first.pr).toBe(7);
    expect(first.fork).toBe(false);
    // A same-repository PR's checks get the profile's secret (masked in the log) and the control plane's token.
    expect(logs).toContain('secret present: yes; token present: yes');
    expect(logs).not.toContain(CHECK_SECRET);
    expect(logs).not.toContain(CONTROL_TOKEN);
    expect((await hello(`${plane.gateway}/shop/feature-pay/api/hello`)).body).toEqual({ edition: 'two', env: 'dev' });

    const statuses = await finalStatuses(firstSha);
    expect(statuses[0]!.state).toBe('pending');
    expect(new Set(statuses.map((s) => s.state))).toEqual(new Set(['pending', 'success']));
    for (const status of statuses) {
      expect(status.context).toBe('sluice/shop/preview');
      expect(status.target_url).toBe(linkTo(first));
      expect(status.target_url).toContain(first.id);
    }
    expect(recorder.calls.every((c) => c.authorization === 'token test-token')).toBe(true);

    const [comment] = await eventually(() => {
      const ours = botComments(7);
      return ours.length > 0 && ours[0]!.body.includes('Preview ready') ? ours : undefined;
    }, 'the preview comment');
    commentId = comment!.id;
    expect(botComments(7)).toHaveLength(1);
    expect(commentPosts(7)).toHaveLength(1);
    expect(comment!.body).toContain(`<${plane.gateway}/shop/feature-pay/api>`);
    expect(comment!.body).toContain(`<${plane.gateway}/c/${firstSha.slice(0, 7)}/shop/feature-pay/api>`);
    expect(comment!.body).toContain(linkTo(first));
    expect(recorder.commentsOn(GITHUB_REPO, 7).find((c) => c.id === 1)!.body).toBe(`${MARKER}\nnot yours`);
  });

  it('updates the same comment in place on synchronize, with statuses for the new head', async () => {
    await shop.setEdition('three');
    await shop.git('commit', '--quiet', '-am', 'Edition three');
    const sha = await shop.git('rev-parse', 'HEAD');
    await shop.git('push', '--quiet', 'origin', 'feature/pay');
    const callsBefore = recorder.calls.length;

    const delivery = await deliver('pull_request', pullRequestPayload('synchronize', { number: 7, branch: 'feature/pay', sha, before: firstSha, headRepo: GITHUB_REPO, cloneUrl: shop.remote }));
    expect(delivery.status).toBe(202);
    const second = await client.waitForRun((r) => r.id === delivery.body.runs[0].id);
    expect(second.status, `${second.reason}\n${await client.logsOf(second)}`).toBe('succeeded');
    expect(second.stage).toBe('feature-pay');
    expect((await hello(`${plane.gateway}/shop/feature-pay/api/hello`)).body).toEqual({ edition: 'three', env: 'dev' });
    expect((await hello(`${plane.gateway}/c/${firstSha.slice(0, 7)}/shop/feature-pay/api/hello`)).body).toEqual({ edition: 'two', env: 'dev' });

    const statuses = await finalStatuses(sha);
    expect(statuses[0]!.state).toBe('pending');
    expect(statuses.every((s) => s.target_url === linkTo(second))).toBe(true);
    await eventually(() => (botComments(7)[0]?.body.includes(`/c/${sha.slice(0, 7)}/`) && botComments(7)[0]?.body.includes('Preview ready') ? true : undefined), 'the comment to show the new commit');
    expect(botComments(7)).toHaveLength(1);
    expect(botComments(7)[0]!.id).toBe(commentId);
    expect(commentPosts(7)).toHaveLength(1);
    const patches = recorder.calls.slice(callsBefore).filter((c) => c.method === 'PATCH');
    expect(patches.length).toBeGreaterThan(0);
    expect(patches.every((c) => c.path === `/repos/${GITHUB_REPO}/issues/comments/${commentId}`)).toBe(true);
    expect(botComments(7)[0]!.body).toContain(`<${plane.gateway}/c/${sha.slice(0, 7)}/shop/feature-pay/api>`);
  });
});

describe('deliveries that must start nothing', () => {
  const opened = () => pullRequestPayload('opened', { number: 8, branch: 'feature/pay', sha: masterSha, headRepo: GITHUB_REPO, cloneUrl: shop.remote });

  it('refuses a wrong, a missing, a sha1-only and a replayed-onto-another-body signature with 401', async () => {
    const before = await runIds();
    const body = JSON.stringify(opened());
    const sha1 = `sha1=${createHmac('sha1', webhookSecret).update(body).digest('hex')}`;
    const refusals = [
      await deliver('pull_request', body, { signature: signGithubPayload('not-the-secret', body) }),
      await deliver('pull_request', body, { signature: null }),
      await deliver('pull_request', body, { signature: null, headers: { 'x-hub-signature': sha1 } }),
      await deliver('pull_request', body, { signature: sha1 }),
      await deliver('pull_request', body, { signature: signGithubPayload(webhookSecret, JSON.stringify({ ...opened(), number: 9 })) }),
      await deliver('pull_request', body, { signature: 'sha256=' }),
    ];
    for (const refusal of refusals) {
      expect(refusal.status).toBe(401);
      expect(refusal.body.error).toMatchObject({ code: 'WEBHOOK_SIGNATURE_INVALID', hint: expect.stringContaining('X-Hub-Signature-256') });
    }
    expect(await runIds()).toEqual(before);
  });

  it('refuses a body over the limit with 413 before reading it as JSON or checking it', async () => {
    const before = await runIds();
    const padded = JSON.stringify({ ...opened(), padding: 'x'.repeat(1024 * 1024) });
    const large = await deliver('pull_request', padded);
    expect(large.status).toBe(413);
    expect(large.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    // Not JSON and not signed: the size alone answers, before the signature or the parser look at it.
    const garbage = await deliver('pull_request', '{'.repeat(1024 * 1024 + 1), { signature: null });
    expect(garbage.status).toBe(413);
    expect(garbage.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(await runIds()).toEqual(before);
  });
});

describe('a pull request from a fork', () => {
  let forkSha: string;
  const forkHead = (extra: Partial<PullRequestHead> = {}): PullRequestHead => ({
    number: 9,
    // The fork's `master` is not ours: it must neither deploy staging nor take master's name.
    branch: 'master',
    sha: forkSha,
    headRepo: 'mallory/shop',
    cloneUrl: forkRemote,
    sender: 'mallory',
    ...extra,
  });

  beforeAll(async () => {
    await run('git', ['clone', '--quiet', '--bare', shop.remote, forkRemote]);
    await shop.git('checkout', '--quiet', '-b', 'mallory', 'master');
    await shop.setEdition('forked');
    await shop.git('commit', '--quiet', '-am', 'Edition forked');
    forkSha = await shop.git('rev-parse', 'HEAD');
    await shop.git('push', '--quiet', '--force', forkRemote, 'HEAD:refs/heads/master');
    // The commit is only in the fork.
    await expect(run('git', ['--git-dir', shop.remote, 'cat-file', '-e', `${forkSha}^{commit}`])).rejects.toThrow();
  });

  it('runs only the checks, with no secret and no token, once however often the delivery comes', async () => {
    const payload = pullRequestPayload('opened', forkHead());
    const deliveryId = randomUUID();
    const first = await deliver('pull_request', payload, { deliveryId });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: 'accepted', runs: [{ kind: 'checks', branch: 'pr:9', stage: null }] });
    // GitHub redelivers with the same id: sequentially, then four at once.
    const again = await deliver('pull_request', payload, { deliveryId });
    const together = await Promise.all([1, 2, 3].map(() => deliver('pull_request', payload, { deliveryId })));
    for (const response of [again, ...together]) {
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'duplicate', runs: [] });
    }
    const runsOfPr = (await client.runs()).filter((r) => r.pr === 9);
    expect(runsOfPr).toHaveLength(1);

    const checks = await client.waitForRun((r) => r.id === first.body.runs[0].id);
    const logs = await client.logsOf(checks);
    expect(checks.status, `${checks.reason}\n${logs}`).toBe('succeeded');
    expect(checks).toMatchObject({ kind: 'checks', fork: true, stage: null, sha: forkSha });
    expect((checks.state.steps as Array<{ name: string }>).map((s) => s.name)).toEqual(['checkout', 'checks']);
    expect(logs).toContain('A pull request from a fork gets no secrets: CHECK_TOKEN not set');
    expect(logs).toContain('secret present: no; token present: no');
    expect(logs).not.toContain(CHECK_SECRET);
    expect(logs).not.toContain(CONTROL_TOKEN);
    const { stages } = await client.api<{ stages: Array<{ name: string }> }>('/api/stages?app=shop');
    expect(stages.map((s) => s.name).sort()).toEqual(['feature-pay', 'staging']);
    expect((await finalStatuses(forkSha)).map((s) => s.context)).toContain('sluice/shop/checks');
  });

  it('is previewed on pr-<number> once labeled, its checks still without secrets; another label starts nothing', async () => {
    const labeled = await deliver('pull_request', pullRequestPayload('labeled', forkHead({ labels: ['preview'], label: 'preview' })));
    expect(labeled.status).toBe(202);
    expect(labeled.body).toMatchObject({ status: 'accepted', runs: [{ kind: 'preview', branch: 'pr:9', stage: 'pr-9' }] });
    const preview = await client.waitForRun((r) => r.id === labeled.body.runs[0].id);
    const logs = await client.logsOf(preview);
    expect(preview.status, `${preview.reason}\n${logs}`).toBe('succeeded');
    expect(preview.fork).toBe(true);
    expect(logs).toContain('secret present: no; token present: no');
    expect(logs).not.toContain('token present: yes');
    expect(logs).not.toContain(CHECK_SECRET);
    expect((await hello(`${plane.gateway}/shop/pr-9/api/hello`)).body).toEqual({ edition: 'forked', env: 'dev' });
    // The fork's `master` did not touch ours.
    expect((await hello(`${plane.gateway}/shop/staging/api/hello`)).body).toEqual({ edition: 'one', env: 'staging' });
    await eventually(() => (botComments(9)[0]?.body.includes(`<${plane.gateway}/shop/pr-9/api>`) ? true : undefined), 'the fork preview comment');

    const other = await deliver('pull_request', pullRequestPayload('labeled', forkHead({ labels: ['preview', 'bug'], label: 'bug' })));
    expect(other.status).toBe(202);
    expect(other.body).toEqual({ status: 'accepted', runs: [] });
  });
});

describe('a branch pushed and deleted on GitHub', () => {
  const ZERO = '0'.repeat(40);
  function pushPayload(branch: string, before: string, after: string): Payload {
    const payload = structuredClone(webhooks.find((w) => w.name === 'push')!.examples.find((p) => p.ref === 'refs/heads/master')!);
    Object.assign(payload, { ref: `refs/heads/${branch}`, before, after, created: before === ZERO, deleted: after === ZERO, commits: [], head_commit: null });
    payload.repository = { ...payload.repository, full_name: GITHUB_REPO, name: 'shop', clone_url: shop.remote };
    payload.sender = { ...payload.sender, login: 'alice' };
    return payload;
  }

  it('previews it on push, and destroys the preview once although GitHub sends a push and a delete event', async () => {
    await shop.git('push', '--quiet', 'origin', 'master:refs/heads/feature/gone');
    const pushed = await deliver('push', pushPayload('feature/gone', ZERO, masterSha));
    expect(pushed.body).toMatchObject({ status: 'accepted', runs: [{ kind: 'preview', stage: 'feature-gone' }] });
    const preview = await client.waitForRun((r) => r.id === pushed.body.runs[0].id);
    expect(preview.status, `${preview.reason}\n${await client.logsOf(preview)}`).toBe('succeeded');
    expect((await hello(`${plane.gateway}/shop/feature-gone/api/hello`)).body).toEqual({ edition: 'one', env: 'dev' });

    await shop.git('push', '--quiet', 'origin', '--delete', 'feature/gone');
    const deleteEvent = structuredClone(webhooks.find((w) => w.name === 'delete')!.examples[0]!);
    Object.assign(deleteEvent, { ref: 'feature/gone', ref_type: 'branch', repository: { ...deleteEvent.repository, full_name: GITHUB_REPO } });
    const [viaPush, viaDelete] = await Promise.all([deliver('push', pushPayload('feature/gone', masterSha, ZERO)), deliver('delete', deleteEvent)]);
    expect([viaPush.status, viaDelete.status]).toEqual([202, 202]);
    const runs = await client.waitForRuns((list) => list.filter((r) => r.stage === 'feature-gone').every((r) => ['succeeded', 'failed', 'canceled'].includes(r.status)), 'the destroy of feature-gone');
    const destroys = runs.filter((r) => r.kind === 'destroy' && r.stage === 'feature-gone');
    expect(destroys.map((r) => r.status)).toEqual(['succeeded']);
    expect((await hello(`${plane.gateway}/shop/feature-gone/api/hello`)).status).toBe(404);
  });
});

describe('closing pull requests', () => {
  it('destroys their previews: the URLs answer 404 and the store keeps nothing of them', async () => {
    const head = await shop.git('rev-parse', 'feature/pay');
    const closeSame = await deliver('pull_request', pullRequestPayload('closed', { number: 7, branch: 'feature/pay', sha: head, headRepo: GITHUB_REPO, cloneUrl: shop.remote }));
    const forkSha = await shop.git('rev-parse', 'mallory');
    const closeFork = await deliver('pull_request', pullRequestPayload('closed', { number: 9, branch: 'master', sha: forkSha, headRepo: 'mallory/shop', cloneUrl: forkRemote, labels: ['preview'], sender: 'mallory' }));
    expect(closeSame.body).toMatchObject({ status: 'accepted', runs: [{ kind: 'destroy', stage: 'feature-pay' }] });
    expect(closeFork.body).toMatchObject({ status: 'accepted', runs: [{ kind: 'destroy', stage: 'pr-9' }] });
    for (const delivery of [closeSame, closeFork]) {
      const destroy = await client.waitForRun((r) => r.id === delivery.body.runs[0].id);
      expect(destroy.status, `${destroy.reason}\n${await client.logsOf(destroy)}`).toBe('succeeded');
    }
    expect((await hello(`${plane.gateway}/shop/feature-pay/api/hello`)).status).toBe(404);
    expect((await hello(`${plane.gateway}/c/${head.slice(0, 7)}/shop/feature-pay/api/hello`)).status).toBe(404);
    expect((await hello(`${plane.gateway}/shop/pr-9/api/hello`)).status).toBe(404);
    expect((await hello(`${plane.gateway}/shop/staging/api/hello`)).status).toBe(200);
    const store = await openStore({ home: home.path });
    try {
      for (const stage of ['feature-pay', 'pr-9']) {
        expect(await store.getPreview('shop', stage)).toBeUndefined();
        expect(await store.getStage('shop', stage)).toBeUndefined();
        expect(await store.listAliases('shop', stage)).toEqual([]);
      }
    } finally {
      await store.close();
    }
  });
});
