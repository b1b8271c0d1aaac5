// The CLI's answers to bad input and an absent server: a code, a message and a hint, never a stack.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/sluice-process.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((fn) => fn()));
});

describe('CLI errors', () => {
  it('says when no control plane answers, and how to start one', async () => {
    const result = await runCli(['stages'], { server: 'http://127.0.0.1:9' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SERVER_UNREACHABLE');
    expect(result.stderr).toContain('sluice up');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports every manifest problem with file:line:column before contacting a server', async () => {
    const dir = await tempDir('sluice-bad-');
    cleanup.push(dir.remove);
    await writeFile(join(dir.path, 'sluice.app.yml'), 'app: demo\nservices: [api]\nprofiles:\n  dev: { parms: {} }\n');
    await mkdir(join(dir.path, 'api'));
    await writeFile(join(dir.path, 'api', 'sluice.yml'), 'service: api\nfunctions:\n  hello:\n    handler: src/hello.main\n    timeout: soon\n');
    const result = await runCli(['deploy', '--stage', 'dev'], { cwd: dir.path, server: 'http://127.0.0.1:9' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('MANIFEST_INVALID');
    expect(result.stderr).toMatch(/sluice\.app\.yml:4:\d+/);
    expect(result.stderr).toMatch(/api\/sluice\.yml:5:\d+/);
    expect(result.stderr).toContain('Hint:');
  });

  it('rejects a malformed --param and an invalid stage name', async () => {
    const badParam = await runCli(['deploy', '--stage', 'dev', '--param', 'novalue', '--dir', 'examples/workshop'], { server: 'http://127.0.0.1:9' });
    expect(badParam.stderr).toContain('INVALID_ARGUMENT');
    const help = await runCli(['deploy', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--stage');
  });
});
