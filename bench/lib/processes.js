// Child processes of a bench run: every server the bench starts is registered here, so it is stopped at the
// end of the run, also when the run fails or is interrupted (SIGINT/SIGTERM), and nothing is left behind.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';

/** pids (or process groups, as negative numbers) to kill if the bench exits without stopping them. */
const leftovers = new Set();
/** Temporary folders to delete when the bench process exits, however it exits. */
const folders = new Set();
let hooked = false;

function hookExit() {
  if (hooked) return;
  hooked = true;
  // Last resort, synchronous: 'exit' handlers cannot wait, so SIGKILL what is still registered.
  process.on('exit', () => {
    for (const target of leftovers) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping the bench's servers…\n`);
      void stopAll().finally(() => process.exit(130));
    });
  }
}

const stoppers = new Set();

/** Registers an async stop function run by stopAll(); returns a function that unregisters it. */
export function onStop(stop) {
  hookExit();
  stoppers.add(stop);
  return () => stoppers.delete(stop);
}

/** Registers a temporary folder to delete when the bench exits (also on SIGINT/SIGTERM). */
export function removeOnExit(folder) {
  hookExit();
  folders.add(folder);
}

/** Registers a pid to SIGKILL if the bench process exits while it is still alive. */
export function killOnExit(pid) {
  hookExit();
  leftovers.add(pid);
  return () => leftovers.delete(pid);
}

/** Runs every registered stop function, one after the other in the order they were registered. */
export async function stopAll() {
  const pending = [...stoppers];
  stoppers.clear();
  for (const stop of pending) {
    try {
      await stop();
    } catch (error) {
      process.stderr.write(`could not stop a bench server: ${error.message}\n`);
    }
  }
}

/**
 * Spawns a server in its own process group (so its children go with it) and registers it for clean-up.
 * `stop()` sends `signal` to the group, waits up to `graceMs`, then SIGKILLs the group.
 */
export function spawnServer(command, args, { cwd, env, stdio = ['ignore', 'pipe', 'pipe'], signal = 'SIGTERM', graceMs = 5000 } = {}) {
  const child = spawn(command, args, { cwd, env, stdio, detached: true });
  const group = -child.pid;
  const forget = killOnExit(group);
  const exited = once(child, 'exit').then(([code, sig]) => ({ code, signal: sig }));
  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        sendGroup(group, signal);
        const timer = setTimeout(() => sendGroup(group, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      // The leader is gone; make sure no member of its group outlives it.
      sendGroup(group, 'SIGKILL');
      forget();
      unregister();
    })();
    return stopping;
  };
  const unregister = onStop(stop);
  return { child, pid: child.pid, exited, stop };
}

function sendGroup(group, signal) {
  try {
    process.kill(group, signal);
  } catch {
    // the group is empty already
  }
}

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a process we did not spawn (e.g. Sluice's detached gateway): SIGTERM, then SIGKILL after graceMs. */
export async function stopPid(pid, graceMs = 5000) {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(20);
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** Resolves with the first line of `stream` that parses as a JSON object. */
export function firstJsonLine(stream, exited, what) {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk) => {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (!line.startsWith('{')) continue;
        try {
          const value = JSON.parse(line);
          stream.off('data', onData);
          resolve(value);
          return;
        } catch {
          // not JSON after all; keep reading
        }
      }
    };
    stream.setEncoding('utf8');
    stream.on('data', onData);
    void exited.then(({ code, signal }) => reject(new Error(`${what} exited (code ${code}, signal ${signal}) before printing its JSON line`)));
  });
}

/** Collects a stream's text (kept to its last `limit` characters) for error messages. */
export function tail(stream, limit = 4000) {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk) => {
    text = (text + chunk).slice(-limit);
  });
  return () => text;
}

/** A port free on 127.0.0.1 right now (the OS picks it). */
export async function freePort() {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One GET; resolves with { status, body }, rejects on a connection error. */
export function get(url, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false, timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode, body }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
  });
}

/**
 * Polls `url` until it answers 200; resolves with the time of that answer (performance.now()).
 * Rejects when `exited` settles first or after timeoutMs.
 */
export async function waitFor200(url, { exited, timeoutMs = 60_000, intervalMs = 5 } = {}) {
  let gone = false;
  let why = '';
  void exited?.then(({ code, signal }) => {
    gone = true;
    why = `exited (code ${code}, signal ${signal})`;
  });
  const deadline = performance.now() + timeoutMs;
  let last = 'no answer';
  while (!gone && performance.now() < deadline) {
    try {
      const { status, body } = await get(url, 5000);
      if (status === 200) return performance.now();
      last = `${status} ${body.slice(0, 200)}`;
    } catch (error) {
      last = error.code ?? error.message;
    }
    await sleep(intervalMs);
  }
  throw new Error(`${url} did not answer 200 (${gone ? why : `timed out after ${timeoutMs} ms`}; last: ${last})`);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
