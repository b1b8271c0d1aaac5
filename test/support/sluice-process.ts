// Test helpers that run Sluice the way a user does: the built CLI as real processes, a control plane on
// free loopback ports with a temporary home, torn down by the test that started it.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'sluice.js');
export const WORKSHOP = join(ROOT, 'examples', 'workshop');

export interface RunningControlPlane {
  api: string;
  gateway: string;
  home: string;
  apiPort: number;
  gatewayPort: number;
  process: ChildProcess;
  /** What the process wrote to stderr so far (its JSON logs). */
  stderr(): string;
  /** Graceful stop (SIGTERM); resolves when the process has exited. */
  stop(): Promise<void>;
}

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Copies the workshop example into a fresh folder a test may edit. */
export async function copyWorkshop(): Promise<{ path: string; remove(): Promise<void> }> {
  const dir = await tempDir('sluice-app-');
  await cp(WORKSHOP, dir.path, { recursive: true });
  return dir;
}

export async function startUp(options: { home: string; apiPort?: number; gatewayPort?: number; env?: Record<string, string>; args?: string[] }): Promise<RunningControlPlane> {
  const args = [BIN, 'up', '--json', '--home', options.home, '--port', String(options.apiPort ?? 0), '--gateway-port', String(options.gatewayPort ?? 0), ...(options.args ?? [])];
  const child = spawn(process.execPath, args, { env: { ...process.env, ...options.env, SLUICE_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const ready = await new Promise<{ api: string; gateway: string }>((resolvePromise, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      try {
        resolvePromise(JSON.parse(line) as { api: string; gateway: string });
      } catch {
        reject(new Error(`sluice up printed: ${line}\n${stderr}`));
      }
    });
    child.once('exit', (code) => reject(new Error(`sluice up exited with ${code}: ${stderr}`)));
  });
  return {
    ...ready,
    home: options.home,
    apiPort: Number(new URL(ready.api).port),
    gatewayPort: Number(new URL(ready.gateway).port),
    process: child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd?: string; server?: string; env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, NO_COLOR: '1' };
    if (options.server) env.SLUICE_URL = options.server;
    const child = execFile(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolvePromise({ code, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
    else child.stdin?.end();
  });
}

export async function runCliJson<T>(args: string[], options: Parameters<typeof runCli>[1] = {}): Promise<T> {
  const result = await runCli([...args, '--json'], options);
  if (result.code !== 0) throw new Error(`sluice ${args.join(' ')} failed (${result.code}):\n${result.stderr}\n${result.stdout}`);
  return JSON.parse(result.stdout) as T;
}
