// Drives the built Sluice CLI the way a user does: `sluice up --json` in the background, `sluice deploy
// --json` in an app folder. Stopping `sluice up` (SIGTERM) stops its detached gateway too; if it does not,
// the bench stops the gateway itself and says so.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstJsonLine, isAlive, killOnExit, onStop, spawnServer, stopPid, tail } from './processes.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'bin', 'sluice.js');

/**
 * Spawns `sluice up --json` and waits for its JSON line.
 * Returns { up, spawnedAt, ready: {api, gateway, home, store, readyMs}, gatewayPid, stop() }.
 */
export async function startSluice({ home, port = 0, gatewayPort = 0, log = () => {} }) {
  const args = [CLI, 'up', '--json', '--home', home, '--port', String(port), '--gateway-port', String(gatewayPort)];
  const spawnedAt = performance.now();
  const up = spawnServer(process.execPath, args, { signal: 'SIGTERM', graceMs: 10_000 });
  const stderr = tail(up.child.stderr);
  let ready;
  try {
    ready = await firstJsonLine(up.child.stdout, up.exited, 'sluice up');
  } catch (error) {
    await up.stop();
    throw new Error(`${error.message}\n${stderr()}`);
  }
  up.child.stdout.resume();
  const gatewayPid = await readGatewayPid(home);
  let forgetGateway = () => {};
  let unregister = () => {};
  if (gatewayPid) {
    forgetGateway = killOnExit(gatewayPid);
    // Registered after `up`, so stopAll() also catches a gateway that `up` left running.
    unregister = onStop(() => stopGateway());
  }
  const stopGateway = async () => {
    unregister();
    if (gatewayPid && isAlive(gatewayPid)) {
      log(`the gateway (pid ${gatewayPid}) outlived \`sluice up\`; stopping it`);
      await stopPid(gatewayPid);
    }
    forgetGateway();
  };
  return {
    up,
    spawnedAt,
    ready,
    gatewayPid,
    stderr,
    async stop() {
      await up.stop();
      // `sluice up` stops its gateway on SIGTERM and waits for it; give it a moment before stepping in.
      const deadline = Date.now() + 3000;
      while (gatewayPid && isAlive(gatewayPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const leaked = gatewayPid ? isAlive(gatewayPid) : false;
      await stopGateway();
      return { gatewayOutlivedUp: leaked };
    },
  };
}

async function readGatewayPid(home) {
  try {
    return JSON.parse(await readFile(join(home, 'gateway.json'), 'utf8')).pid;
  } catch {
    return undefined;
  }
}

/**
 * Runs `sluice deploy --stage S --json` in `appDir` against `api`.
 * Returns { ms (wall time of the command), result (its parsed JSON) }.
 */
export function deploy({ appDir, api, stage }) {
  return runCli(['deploy', '--stage', stage, '--json'], { cwd: appDir, api });
}

/** Runs a CLI command; resolves with its wall time and parsed JSON output (or its text if not JSON). */
export function runCli(args, { cwd = ROOT, api } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const env = { ...process.env, ...(api ? { SLUICE_URL: api } : {}) };
    execFile(process.execPath, [CLI, ...args], { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
      const ms = performance.now() - started;
      if (error) {
        reject(new Error(`sluice ${args.join(' ')} failed (${error.code ?? error.signal}): ${stderr.trim() || stdout.trim()}`));
        return;
      }
      let result = stdout;
      const start = stdout.indexOf('{');
      if (start >= 0) {
        try {
          result = JSON.parse(stdout.slice(start));
        } catch {
          // not JSON: keep the text
        }
      }
      resolve({ ms, result });
    });
  });
}
