// Runs one user command of a pipeline (a check, the integration step) in a run's checkout: `sh -c` with the
// command text the manifest gives (never built from branch names, which reach commands only as variables),
// an environment built from scratch, a deadline, cancellation, and its output as lines. The command gets its
// own process group, so a timeout or a cancel kills everything it started.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface CommandRequest {
  command: string;
  cwd: string;
  /** The whole environment of the command (nothing is inherited). */
  env: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  onLine(stream: 'stdout' | 'stderr', line: string): void;
}

export interface CommandResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  canceled: boolean;
  durationMs: number;
}

export function runCommand(request: CommandRequest): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    if (request.signal?.aborted) {
      resolve({ exitCode: null, signal: null, timedOut: false, canceled: true, durationMs: 0 });
      return;
    }
    const child = spawn('/bin/sh', ['-c', request.command], { cwd: request.cwd, env: request.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let timedOut = false;
    let canceled = false;
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, request.timeoutMs);
    const onAbort = () => {
      canceled = true;
      killGroup();
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const streams = [
      ['stdout', child.stdout] as const,
      ['stderr', child.stderr] as const,
    ];
    const closed = streams.map(([name, stream]) => new Promise<void>((done) => {
      const lines = createInterface({ input: stream, crlfDelay: Infinity });
      lines.on('line', (line) => request.onLine(name, line));
      lines.on('close', done);
    }));
    child.once('error', (error) => {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.once('exit', (exitCode, signal) => {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      // Children left in the group (a background server of a test) go with the command.
      killGroup();
      void Promise.all(closed).then(() => resolve({ exitCode, signal, timedOut, canceled, durationMs: Math.round(performance.now() - started) }));
    });
  });
}

/** The base environment of every command: enough to find tools, nothing of the control plane's secrets. */
export function baseCommandEnv(home: string): Record<string, string> {
  const env: Record<string, string> = { HOME: home, CI: 'true', LANG: process.env.LANG ?? 'C.UTF-8' };
  for (const name of ['PATH', 'TMPDIR', 'TZ']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
