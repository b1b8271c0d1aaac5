// A stand-in for the GitHub REST API on a loopback port: it records the calls the control plane's Octokit
// makes (commit statuses, the preview comment) and answers them the way GitHub does, holding the comments
// of each issue so listing, creating and updating them behave like the real thing.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  /** Without the query string. */
  path: string;
  body: Record<string, unknown> | null;
  authorization: string | undefined;
}

export interface HeldComment {
  id: number;
  issue: string;
  body: string;
  user: { login: string };
}

export interface GithubApiRecorder {
  url: string;
  calls: RecordedCall[];
  comments: HeldComment[];
  /** The commit statuses set on `sha`, in the order they arrived. */
  statuses(sha: string): Array<{ state: string; context: string; description: string; target_url?: string }>;
  /** Comments on `owner/name#number`. */
  commentsOn(repo: string, issue: number): HeldComment[];
  close(): Promise<void>;
}

/** `login` is the account the token posts as: comments created through the API are written by it. */
export async function startGithubApiRecorder(options: { login: string }): Promise<GithubApiRecorder> {
  const calls: RecordedCall[] = [];
  const comments: HeldComment[] = [];
  let nextId = 1000;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const method = request.method ?? 'GET';
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
    calls.push({ method, path, body, authorization: request.headers.authorization });
    const reply = (status: number, payload: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(payload));
    };
    let match: RegExpExecArray | null;
    if (method === 'POST' && (match = /^\/repos\/([^/]+\/[^/]+)\/statuses\/([0-9a-f]{40})$/.exec(path))) {
      return reply(201, { id: nextId++, ...body });
    }
    if ((match = /^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/comments$/.exec(path))) {
      const issue = `${match[1]}#${match[2]}`;
      if (method === 'GET') return reply(200, comments.filter((c) => c.issue === issue));
      if (method === 'POST') {
        const comment = { id: nextId++, issue, body: String(body?.body ?? ''), user: { login: options.login } };
        comments.push(comment);
        return reply(201, comment);
      }
    }
    if (method === 'PATCH' && (match = /^\/repos\/([^/]+\/[^/]+)\/issues\/comments\/(\d+)$/.exec(path))) {
      const comment = comments.find((c) => c.id === Number(match![2]) && c.issue.startsWith(`${match![1]}#`));
      if (!comment) return reply(404, { message: 'Not Found' });
      comment.body = String(body?.body ?? '');
      return reply(200, comment);
    }
    reply(404, { message: 'Not Found' });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    comments,
    statuses: (sha) =>
      calls
        .filter((c) => c.method === 'POST' && c.path.endsWith(`/statuses/${sha}`))
        .map((c) => c.body as { state: string; context: string; description: string; target_url?: string }),
    commentsOn: (repo, issue) => comments.filter((c) => c.issue === `${repo}#${issue}`),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
