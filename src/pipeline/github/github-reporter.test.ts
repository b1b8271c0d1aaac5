// createGithubHost against a real HTTP server that answers like GitHub's REST API (the endpoints it uses),
// so the test covers Octokit's real requests: paths, methods, bodies, headers, pagination, errors.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SluiceError } from '../../errors/index.js';
import { FakeGitHost } from './fake-git-host.js';
import { createGithubHost, PREVIEW_COMMENT_MARKER, previewCommentMarker, type GitHost } from './github-reporter.js';
import { previewCommentBody } from './preview-comment.js';

interface Recorded {
  method: string;
  path: string;
  body: any;
  authorization: string | undefined;
  userAgent: string | undefined;
}

interface Comment {
  id: number;
  issue: number;
  body: string;
  user: { login: string };
}

class FakeGithubApi {
  readonly requests: Recorded[] = [];
  readonly comments = new Map<number, Comment>();
  /** Answers the next request with this status and message instead of handling it. */
  failNext: { status: number; message: string } | null = null;
  hang = false;
  private nextId = 1000;
  private server: Server | null = null;
  url = '';

  constructor(private readonly prefix: string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${this.prefix}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  addComment(issue: number, body: string, login = 'sluice-bot'): number {
    const id = this.nextId++;
    this.comments.set(id, { id, issue, body, user: { login } });
    return id;
  }

  commentsOn(issue: number): Comment[] {
    return [...this.comments.values()].filter((c) => c.issue === issue);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url!, 'http://localhost');
    this.requests.push({
      method: req.method!,
      path: url.pathname + url.search,
      body: text ? JSON.parse(text) : null,
      authorization: req.headers.authorization,
      userAgent: req.headers['user-agent'],
    });
    if (this.hang) return; // never answers: the client's timeout must end it
    const send = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(value));
    };
    if (this.failNext) {
      const { status, message } = this.failNext;
      this.failNext = null;
      return send(status, { message, documentation_url: 'https://docs.github.com/rest' });
    }
    if (!url.pathname.startsWith(`${this.prefix}/`)) return send(404, { message: 'Not Found' });
    const path = url.pathname.slice(this.prefix.length);
    const body = text ? JSON.parse(text) : {};
    let m: RegExpMatchArray | null;
    if (req.method === 'POST' && (m = path.match(/^\/repos\/o\/n\/statuses\/([0-9a-f]{40})$/))) {
      return send(201, { id: 1, url: `${this.url}${path}`, state: body.state, context: body.context, description: body.description, sha: m[1] });
    }
    if (req.method === 'GET' && (m = path.match(/^\/repos\/o\/n\/issues\/(\d+)\/comments$/))) {
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      const all = this.commentsOn(Number(m[1]));
      const slice = all.slice((page - 1) * perPage, page * perPage);
      const headers: Record<string, string> = {};
      if (page * perPage < all.length) {
        const next = new URL(`${this.url}${path}`);
        next.searchParams.set('per_page', String(perPage));
        next.searchParams.set('page', String(page + 1));
        headers.link = `<${next.href}>; rel="next"`;
      }
      return send(200, slice, headers);
    }
    if (req.method === 'POST' && (m = path.match(/^\/repos\/o\/n\/issues\/(\d+)\/comments$/))) {
      const id = this.addComment(Number(m[1]), body.body);
      return send(201, { id, body: body.body, user: { login: 'sluice-bot' } });
    }
    if (req.method === 'PATCH' && (m = path.match(/^\/repos\/o\/n\/issues\/comments\/(\d+)$/))) {
      const comment = this.comments.get(Number(m[1]));
      if (!comment) return send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/issues/comments#update-an-issue-comment' });
      comment.body = body.body;
      return send(200, comment);
    }
    return send(404, { message: 'Not Found' });
  }
}

const TOKEN = 'ghp_0123456789abcdefghijklmnopqrstuvwxyzAB';
const SHA = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
let api: FakeGithubApi;

async function startApi(prefix = ''): Promise<FakeGithubApi> {
  api = new FakeGithubApi(prefix);
  await api.start();
  return api;
}

afterEach(async () => {
  await api?.stop();
});

const body = (status: 'running' | 'succeeded') =>
  previewCommentBody({
    app: 'workshop',
    branch: 'feature/x',
    sha: SHA,
    stage: 'pr-2',
    urls: { restapi: 'http://127.0.0.1:4601/workshop/pr-2/restapi' },
    commitUrls: { restapi: 'http://127.0.0.1:4601/workshop/pr-2/restapi@ec26c3e' },
    runUrl: 'http://127.0.0.1:4600/runs/7',
    status,
  });

describe('createGithubHost against a GitHub-like API', () => {
  it('sets a commit status with the token and a truncated description', async () => {
    await startApi();
    const host = createGithubHost({ token: TOKEN, baseUrl: api.url });
    await host.setCommitStatus({ repo: 'o/n', sha: SHA, state: 'pending', context: 'sluice/preview', description: 'x'.repeat(300), targetUrl: 'http://127.0.0.1:4600/runs/7' });
    expect(api.requests).toHaveLength(1);
    const [request] = api.requests;
    expect(request).toMatchObject({ method: 'POST', path: `/repos/o/n/statuses/${SHA}`, authorization: `token ${TOKEN}` });
    expect(request!.userAgent).toMatch(/^sluice\//);
    expect(request!.body).toEqual({ state: 'pending', context: 'sluice/preview', description: `${'x'.repeat(139)}…`, target_url: 'http://127.0.0.1:4600/runs/7' });
  });

  it('leaves target_url out when there is none, and keeps short descriptions whole', async () => {
    await startApi();
    const host = createGithubHost({ token: TOKEN, baseUrl: api.url });
    await host.setCommitStatus({ repo: 'o/n', sha: SHA, state: 'success', context: 'sluice/checks', description: '3 checks passed' });
    expect(api.requests[0]!.body).toEqual({ state: 'success', context: 'sluice/checks', description: '3 checks passed' });
  });

  it('creates one comment, then updates it in place', async () => {
    await startApi();
    const host = createGithubHost({ token: TOKEN, baseUrl: api.url });
    const first = await host.upsertPullRequestComment({ repo: 'o/n', pr: 2, body: body('running') });
    const second = await host.upsertPullRequestComment({ repo: 'o/n', pr: 2, body: body('succeeded'), commentId: first });
    expect(second).toBe(first);
    expect(api.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([
      'GET /repos/o/n/issues/2/comments', // no id yet: look for an earlier comment first
      'POST /repos/o/n/issues/2/comments',
      `PATCH /repos/o/n/issues/comments/${first}`,
    ]);
    expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    expect(api.commentsOn(2)).toHaveLength(1);
    expect(api.commentsOn(2)[0]!.body).toContain('Preview ready');
    expect(api.commentsOn(2)[0]!.body.startsWith(PREVIEW_COMMENT_MARKER)).toBe(true);
  });

  it('finds its comment by the marker after a restart, across pages', async () => {
    await startApi();
    for (let i = 0; i < 120; i++) api.addComment(2, `comment ${i}`, 'someone');
    const ours = api.addComment(2, `${PREVIEW_COMMENT_MARKER}\nold preview`);
    const host = createGithubHost({ token: TOKEN, baseUrl: api.url });
    const id = await host.upsertPullRequestComment({ repo: 'o/n', pr: 2, body: body('succeeded') });
    expect(id).toBe(ours);
    expect(api.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'PATCH']);
    expect(api.requests[1]!.path).toContain('page=2');
    expect(api.commentsOn(2)).toHaveLength(121);
    expect(api.comments.get(ours)!.body).toContain('Preview ready');
  });

  it('keeps one comment per app when two apps preview the same pull request', async () => {
    await startApi();
    const host = createGithubHost({ token: TOKEN, baseUrl: api.url });
    const shop = await host.upsertPullRequestComment({ repo: 'o/n', pr: 4, marker: previewCommentMarker('shop'), body: 'shop preview' });
    const blog = await host.upsertPullRequestComment({ repo: 'o/n', pr: 4, marker: previewCommentMarker('blog'), body: 'blog preview' });
    expect(blog).not.toBe(shop);
    // After a restart that lost both ids, each app finds its own comment again.
    expect(await host.upsertPullRequestComment({ repo: 'o/n', pr: 4, marker: previewCommentMarker('blog'), body: 'blog again' })).toBe(blog);
    expect(await host.upsertPullRequestComment({ repo: 'o/n', pr: 4, marker: previewCommentMarker('shop'), body: 'shop again' })).toBe(shop);
    expect(api.commentsOn(4).map((c) => c.body)).toEqual(['<!-- sluice:preview:shop -->\nshop again', '<!-- sluice:preview:blog -->\nblog again']);
  });

  it('adds the marker to a body without one, so it is found again', async () => {
    await startApi();
    const host = createGithubHost({ token: TOKEN, baseUrl: api.url });
    const first = await host.upsertPullRequestComment({ repo: 'o/n', pr: 3, body: 'plain text' });
    expect(api.comments.get(first)!.body).toBe(`${PREVIEW_COMMENT_MARKER}\nplain text`);
    expect(await host.upsertPullRequestComment({ repo: 'o/n', pr: 3, body: 'again' })).toBe(first);
    expect(api.commentsOn(3)).toHaveLength(1);
  });

  it('creates a new comment when the known one was deleted (404 on PATCH)', async () => {
    await startApi();
    const host = createGithubHost({ token: TOKEN, baseUrl: api.url });
    const first = await host.upsertPullRequestComment({ repo: 'o/n', pr: 2, body: body('running') });
    api.comments.delete(first);
    api.requests.length = 0;
    const second = await host.upsertPullRequestComment({ repo: 'o/n', pr: 2, body: body('succeeded'), commentId: first });
    expect(second).not.toBe(first);
    expect(api.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([
      `PATCH /repos/o/n/issues/comments/${first}`,
      'GET /repos/o/n/issues/2/comments',
      'POST /repos/o/n/issues/2/comments',
    ]);
    expect(api.commentsOn(2).map((c) => c.id)).toEqual([second]);
  });

  it('with commentAuthor, ignores a marker pasted into someone else’s comment', async () => {
    await startApi();
    const planted = api.addComment(2, `${PREVIEW_COMMENT_MARKER} gotcha`, 'mallory');
    const host = createGithubHost({ token: TOKEN, baseUrl: api.url, commentAuthor: 'sluice-bot' });
    const id = await host.upsertPullRequestComment({ repo: 'o/n', pr: 2, body: body('running') });
    expect(id).not.toBe(planted);
    expect(api.comments.get(planted)!.body).toBe(`${PREVIEW_COMMENT_MARKER} gotcha`);
  });

  it('works against a GitHub Enterprise base URL with a path prefix', async () => {
    await startApi('/api/v3');
    const host = createGithubHost({ token: TOKEN, baseUrl: `${api.url}/` });
    await host.setCommitStatus({ repo: 'o/n', sha: SHA, state: 'failure', context: 'sluice/deploy', description: 'deploy failed' });
    const id = await host.upsertPullRequestComment({ repo: 'o/n', pr: 5, body: body('running') });
    expect(api.requests.map((r) => r.path.split('?')[0])).toEqual([
      `/api/v3/repos/o/n/statuses/${SHA}`,
      '/api/v3/repos/o/n/issues/5/comments',
      '/api/v3/repos/o/n/issues/5/comments',
    ]);
    expect(api.comments.get(id)!.issue).toBe(5);
  });

  it('turns GitHub errors into GITHUB_REQUEST_FAILED without the token', async () => {
    await startApi();
    const host = createGithubHost({ token: TOKEN, baseUrl: api.url });
    api.failNext = { status: 403, message: `Resource not accessible by integration (token ${TOKEN})` };
    const error = await host.setCommitStatus({ repo: 'o/n', sha: SHA, state: 'error', context: 'c', description: 'd' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SluiceError);
    expect(error).toMatchObject({ code: 'GITHUB_REQUEST_FAILED', status: 502 });
    const text = `${(error as SluiceError).message} ${JSON.stringify(error)} ${String((error as Error).stack)}`;
    expect((error as SluiceError).message).toContain('HTTP 403');
    expect((error as SluiceError).message).toContain('Resource not accessible by integration');
    expect(text).not.toContain(TOKEN);
  });

  it('does not treat a failed PATCH other than 404 as a deleted comment', async () => {
    await startApi();
    const host = createGithubHost({ token: TOKEN, baseUrl: api.url });
    const id = await host.upsertPullRequestComment({ repo: 'o/n', pr: 2, body: body('running') });
    api.failNext = { status: 500, message: 'Server Error' };
    await expect(host.upsertPullRequestComment({ repo: 'o/n', pr: 2, body: body('succeeded'), commentId: id })).rejects.toMatchObject({ code: 'GITHUB_REQUEST_FAILED' });
    expect(api.commentsOn(2)).toHaveLength(1);
  });

  it('gives up on a GitHub that does not answer', async () => {
    await startApi();
    api.hang = true;
    const host = createGithubHost({ token: TOKEN, baseUrl: api.url, timeoutMs: 200 });
    await expect(host.setCommitStatus({ repo: 'o/n', sha: SHA, state: 'pending', context: 'c', description: 'd' })).rejects.toMatchObject({ code: 'GITHUB_REQUEST_FAILED' });
    // The comment lookup pages through Octokit's paginator, which drops per-call options: it must time out too.
    await expect(host.upsertPullRequestComment({ repo: 'o/n', pr: 2, body: 'x' })).rejects.toMatchObject({ code: 'GITHUB_REQUEST_FAILED' });
    expect(api.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
  });

  it('refuses a repository that is not owner/name before any request', async () => {
    await startApi();
    const host = createGithubHost({ token: TOKEN, baseUrl: api.url });
    await expect(host.setCommitStatus({ repo: 'o/n/../x', sha: SHA, state: 'pending', context: 'c', description: 'd' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(api.requests).toHaveLength(0);
  });
});

describe('FakeGitHost', () => {
  it('keeps one preview comment per PR and records every call', async () => {
    const host: GitHost & FakeGitHost = new FakeGitHost();
    const first = await host.upsertPullRequestComment({ repo: 'o/n', pr: 2, body: 'one' });
    expect(await host.upsertPullRequestComment({ repo: 'o/n', pr: 2, body: 'two' })).toBe(first);
    host.deleteComment(first);
    const third = await host.upsertPullRequestComment({ repo: 'o/n', pr: 2, body: 'three', commentId: first });
    expect(third).not.toBe(first);
    expect(host.commentsOn('o/n', 2).map((c) => c.body)).toEqual([`${PREVIEW_COMMENT_MARKER}\nthree`]);
    await host.setCommitStatus({ repo: 'o/n', sha: SHA, state: 'pending', context: 'sluice/preview', description: 'deploying' });
    await host.setCommitStatus({ repo: 'o/n', sha: SHA, state: 'success', context: 'sluice/preview', description: 'ready' });
    expect(host.latestStatuses('o/n', SHA).get('sluice/preview')?.state).toBe('success');
    expect(host.calls.map((c) => c.kind)).toEqual(['comment', 'comment', 'comment', 'status', 'status']);
    host.failWith(new Error('GitHub is down'));
    await expect(host.setCommitStatus({ repo: 'o/n', sha: SHA, state: 'error', context: 'c', description: 'd' })).rejects.toThrow('GitHub is down');
  });
});
