// Runs the system `git` with an argument array (never a shell), hardened for untrusted repositories, URLs and
// branch names: no prompts, no system config, no hooks, only plain transports (no `ext::`, `fd::` or other
// remote helpers that run commands), a deadline that kills git and everything it started, and failures as
// SluiceError GIT_FAILED carrying the last lines of git's stderr.

import { spawn } from 'node:child_process';
import { resolve as resolvePath } from 'node:path';
import { SluiceError } from '../../errors/index.js';

export interface RunGitOptions {
  cwd?: string;
  /** Kills git (and its helpers: ssh, git-remote-https) after this long. Default 5 minutes. */
  timeoutMs?: number;
  /** Added to the hardened environment. */
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** Exit codes that are answers rather than failures (`merge-base --is-ancestor` exits 1 for "no"). */
  allowExitCodes?: number[];
}

export interface GitResult {
  stdout: string;
  exitCode: number;
}

export const DEFAULT_GIT_TIMEOUT_MS = 5 * 60_000;
const MAX_STDOUT_BYTES = 64 * 1024 * 1024;
const STDERR_TAIL_BYTES = 16 * 1024;
const STDERR_LINES_SHOWN = 6;

/**
 * `-c` settings put before every command. Transports are an allow-list: anything else (ext::, fd::, custom
 * remote helpers) is refused, whatever the URL says.
 */
const HARDENING_CONFIG = [
  'protocol.allow=never',
  'protocol.ext.allow=never',
  'protocol.file.allow=always',
  'protocol.git.allow=always',
  'protocol.http.allow=always',
  'protocol.https.allow=always',
  'protocol.ssh.allow=always',
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  // No collection in the middle of a fetch or checkout: a mirror is collected deliberately, if ever.
  'gc.auto=0',
  'maintenance.auto=false',
  'log.showSignature=false',
  'advice.detachedHead=false',
];

/**
 * GIT_* variables an operator sets to reach remotes (ssh command, TLS certificates, http settings, askpass,
 * a global config). Every other GIT_* is dropped: GIT_DIR, GIT_INDEX_FILE, GIT_CONFIG_PARAMETERS… inherited
 * from a hook or a shell would redirect or reconfigure commands, and GIT_ALLOW_PROTOCOL could re-allow `ext`.
 */
const INHERITED_GIT_VARIABLE = /^GIT_(SSH|SSH_COMMAND|SSH_VARIANT|ASKPASS|CONFIG_GLOBAL|SSL_[A-Z_]+|HTTP_[A-Z_]+|PROXY_SSL_[A-Z_]+)$/;

export function runGit(args: readonly string[], options: RunGitOptions = {}): Promise<GitResult> {
  const command = gitSubcommand(args);
  const fullArgs = [...HARDENING_CONFIG.flatMap((setting) => ['-c', setting]), ...args];
  const timeoutMs = options.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new SluiceError('GIT_FAILED', `git ${command} was canceled`));
      return;
    }
    // Its own process group (and no controlling terminal, so ssh cannot prompt either): a timeout kills
    // git with the helpers it started.
    const child = spawn('git', fullArgs, { cwd: options.cwd, env: gitEnvironment(options.env), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderrTail = Buffer.alloc(0);
    let stopReason: string | null = null;

    const killGroup = (reason: string) => {
      stopReason ??= reason;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => killGroup(`timed out after ${timeoutMs} ms`), timeoutMs);
    const onAbort = () => killGroup('was canceled');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanUp = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };

    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > MAX_STDOUT_BYTES) killGroup(`printed more than ${MAX_STDOUT_BYTES} bytes`);
      else stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderrTail = Buffer.concat([stderrTail, chunk]);
      if (stderrTail.length > STDERR_TAIL_BYTES) stderrTail = stderrTail.subarray(stderrTail.length - STDERR_TAIL_BYTES);
    });
    child.once('error', (error) => {
      cleanUp();
      reject(new SluiceError('GIT_FAILED', `could not start git ${command}: ${error.message} (is git installed and on PATH, does the folder exist?)`, { cause: error }));
    });
    child.once('close', (code, signal) => {
      cleanUp();
      const exitCode = code ?? -1;
      if (stopReason === null && (exitCode === 0 || options.allowExitCodes?.includes(exitCode))) {
        resolve({ stdout: Buffer.concat(stdout).toString('utf8'), exitCode });
        return;
      }
      const how = stopReason ?? (signal ? `was killed by ${signal}` : `failed (exit ${exitCode})`);
      const detail = lastLines(redactCredentials(stderrTail.toString('utf8')));
      reject(new SluiceError('GIT_FAILED', `git ${command} ${how}${detail ? `: ${detail}` : ''}`));
    });
  });
}

/** The stderr of a GIT_FAILED error says "couldn't find remote ref" / "not our ref": the ref or sha is gone. */
export function isMissingRefError(error: unknown): boolean {
  return error instanceof SluiceError && error.code === 'GIT_FAILED'
    && /couldn't find remote ref|not our ref|no such remote ref|unadvertised object|bad object|unknown revision|does not point to a valid object/i.test(error.message);
}

function gitEnvironment(extra: Record<string, string> | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (name.startsWith('GIT_') && !INHERITED_GIT_VARIABLE.test(name)) continue;
    env[name] = value;
  }
  return {
    ...env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    // Untranslated messages, so isMissingRefError can read them.
    LC_ALL: 'C',
    ...extra,
  };
}

function gitSubcommand(args: readonly string[]): string {
  return args.find((arg) => !arg.startsWith('-')) ?? 'command';
}

function lastLines(text: string): string {
  const lines = text.split(/\r?\n|\r/).map((line) => line.trim()).filter((line) => line.length > 0);
  return lines.slice(-STDERR_LINES_SHOWN).join(' | ');
}

/** `https://user:token@host/…` → `https://***@host/…`, so tokens in clone URLs never reach a log. */
export function redactCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}

// Validation of the untrusted text that reaches git: shas, branch names, repository URLs. Everything user
// supplied is passed after `--` or inside a full `refs/heads/…` refspec as well; these checks make a bad value
// a clear error instead of a strange git failure, and keep a lying remote from handing us `../../etc`.

const SHA = /^[0-9a-f]{40}$/;

export function assertCommitSha(value: string): void {
  if (!SHA.test(value)) throw new SluiceError('INVALID_ARGUMENT', `not a commit sha (40 lowercase hex): ${JSON.stringify(value.slice(0, 80))}`);
}

/**
 * Whether `refs/heads/<name>` is a ref git itself would accept (git check-ref-format's rules). Odd but valid
 * names (`--upload-pack=x`, `$(touch${IFS}x)`) pass: they are harmless as arguments after `--`.
 */
export function isValidBranchName(name: string): boolean {
  if (name.length === 0 || name.length > 1024) return false;
  // Control characters, space and ~ ^ : ? * [ \ are never part of a ref name.
  if (hasControlCharacter(name) || /[ ~^:?*[\\]/.test(name)) return false;
  if (name.includes('..') || name.includes('@{')) return false;
  if (name.endsWith('.')) return false;
  return name.split('/').every((part) => part.length > 0 && !part.startsWith('.') && !part.endsWith('.lock'));
}

export function assertBranchName(name: string): void {
  if (!isValidBranchName(name)) throw new SluiceError('INVALID_ARGUMENT', `not a valid branch name: ${JSON.stringify(name.slice(0, 200))}`);
}

/**
 * A clone URL (`https://`, `http://`, `ssh://`, `git://`, `file://`, scp-like `user@host:path`) or a local
 * path; a path without a colon is made absolute. `<helper>::<address>` forms are refused (they run programs).
 */
export function normalizeRepositoryUrl(url: string): string {
  const problem = repositoryUrlProblem(url);
  if (problem) throw new SluiceError('INVALID_ARGUMENT', `invalid repository URL ${JSON.stringify(redactCredentials(url).slice(0, 200))}: ${problem}`, { hint: 'Give an https://, ssh://, git:// or file:// URL, user@host:path, or an absolute path to a repository.' });
  return url.includes(':') ? url : resolvePath(url);
}

function repositoryUrlProblem(url: string): string | null {
  if (url.length === 0 || url.length > 4096) return 'empty or too long';
  if (hasControlCharacter(url)) return 'contains control characters';
  if (url.startsWith('-')) return 'starts with a dash';
  if (/^[a-z][a-z0-9+.-]*::/i.test(url)) return 'remote helpers (transport::address) are not allowed';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return /^(https?|ssh|git|file):\/\//i.test(url) ? null : 'only https, http, ssh, git and file URLs are allowed';
  return null;
}

/** Whether text holds a C0 control character or DEL (a newline in a URL, a tab in a ref name). */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
