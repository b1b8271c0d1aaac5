// The post-receive hook installed in a real bare repository: a push pokes the notify URL (curl, or wget when
// curl is missing), a hostile URL stays one literal word, and a slow control plane never holds the push.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postReceiveHookScript } from './post-receive-hook.js';
import { createTestRepository, plainGit, type TestRepository } from './git-test-repository.js';

let repo: TestRepository;
let server: Server;
let port: number;
let pwned: string;
let requests: Array<{ method: string; url: string }>;
let onRequest: (request: IncomingMessage, response: ServerResponse) => void;
const held: ServerResponse[] = [];

beforeEach(async () => {
  repo = await createTestRepository();
  pwned = join(tmpdir(), `pwned-${randomUUID()}`);
  requests = [];
  onRequest = (_request, response) => response.end('ok');
  server = createServer((request, response) => {
    requests.push({ method: request.method ?? '', url: request.url ?? '' });
    onRequest(request, response);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  port = (server.address() as { port: number }).port;
});

afterEach(async () => {
  for (const response of held.splice(0)) response.end();
  server.closeAllConnections();
  await new Promise((closed) => server.close(closed));
  await repo.cleanup();
  await rm(pwned, { force: true });
});

async function installHook(notifyUrl: string): Promise<void> {
  const hook = join(repo.origin, 'hooks', 'post-receive');
  await writeFile(hook, postReceiveHookScript(notifyUrl));
  await chmod(hook, 0o755);
}

function nextRequest(): Promise<{ method: string; url: string }> {
  const seen = requests.length;
  return new Promise((resolve) => {
    const previous = onRequest;
    onRequest = (request, response) => {
      previous(request, response);
      if (requests.length > seen) resolve(requests[seen]!);
    };
  });
}

describe('postReceiveHookScript', () => {
  it('pokes the notify URL after a push, the URL kept literal however hostile', async () => {
    const url = `http://127.0.0.1:${port}/hooks/git/r1';touch$IFS${pwned};'`;
    await installHook(url);
    await repo.commit({ 'a.txt': '1\n' }, 'one');
    const request = nextRequest();
    await plainGit(['push', '--quiet', 'origin', 'HEAD:refs/heads/main'], { cwd: repo.work, env: { no_proxy: '*', NO_PROXY: '*' } });
    expect(await request).toEqual({ method: 'POST', url: `/hooks/git/r1';touch$IFS${pwned};'` });
    expect(existsSync(pwned)).toBe(false);
  });

  it('uses wget when curl is missing', async () => {
    const wget = ['/usr/bin/wget', '/bin/wget', '/usr/local/bin/wget'].find((path) => existsSync(path));
    const git = ['/usr/bin/git', '/usr/local/bin/git', '/bin/git'].find((path) => existsSync(path));
    expect(wget, 'wget is needed for this test').toBeDefined();
    expect(git).toBeDefined();
    const bin = join(repo.root, 'bin');
    await mkdir(bin);
    await symlink(wget!, join(bin, 'wget'));
    await symlink(existsSync('/usr/bin/cat') ? '/usr/bin/cat' : '/bin/cat', join(bin, 'cat'));
    await installHook(`http://127.0.0.1:${port}/hooks/git/r2`);
    await repo.commit({ 'a.txt': '1\n' }, 'one');
    const request = nextRequest();
    await new Promise<void>((pushed, failed) => {
      execFile(git!, ['push', '--quiet', 'origin', 'HEAD:refs/heads/main'], { cwd: repo.work, env: { PATH: bin, HOME: repo.root, no_proxy: '*' } }, (error) => (error ? failed(error) : pushed()));
    });
    expect(await request).toEqual({ method: 'POST', url: '/hooks/git/r2' });
  });

  it('never holds the push while the control plane is slow to answer', async () => {
    onRequest = (_request, response) => held.push(response);
    await installHook(`http://127.0.0.1:${port}/hooks/git/r3`);
    await repo.commit({ 'a.txt': '1\n' }, 'one');
    const request = nextRequest();
    const started = Date.now();
    await plainGit(['push', '--quiet', 'origin', 'HEAD:refs/heads/main'], { cwd: repo.work, env: { no_proxy: '*', NO_PROXY: '*' } });
    await request;
    // curl waits up to 10 s for an answer that never comes; the push must not.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(held.length).toBe(1);
    expect(await plainGit(['--git-dir=' + repo.origin, 'rev-parse', 'main'])).toBe(await repo.git(['rev-parse', 'HEAD']));
  });

  it('never fails a push when nothing listens', async () => {
    await new Promise((closed) => server.close(closed));
    await installHook(`http://127.0.0.1:${port}/hooks/git/r4`);
    const sha = await repo.commit({ 'a.txt': '1\n' }, 'one');
    await plainGit(['push', '--quiet', 'origin', 'HEAD:refs/heads/main'], { cwd: repo.work, env: { no_proxy: '*', NO_PROXY: '*' } });
    expect(await plainGit(['--git-dir=' + repo.origin, 'rev-parse', 'main'])).toBe(sha);
    server = createServer();
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  });

  it('quotes the URL as one literal sh word', () => {
    const script = postReceiveHookScript("https://sluice.example/hooks/git/r1?x=1&y='$(id)'");
    expect(script).toMatch(/^#!\/bin\/sh\n/);
    expect(script).toContain(`sluice_notify_url='https://sluice.example/hooks/git/r1?x=1&y=%27$(id)%27'\n`);
    const path = postReceiveHookScript("http://h/a'b");
    expect(path).toContain(`sluice_notify_url='http://h/a'\\''b'\n`);
  });

  it.each(['', 'ftp://h/x', 'not a url', 'file:///etc/passwd', 'http://h/\nrm -rf /', "javascript:alert('x')"])('refuses %j', (url) => {
    expect(() => postReceiveHookScript(url)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
