// The peer: serverless-offline 13.x on Serverless Framework 3.x (v4 needs a login). Installed by the bench
// with npm into a temporary folder, then kept under os.tmpdir() and reused by later runs.

import { execFile } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeServerlessService } from './bench-app.js';
import { freePort, spawnServer } from './processes.js';

const run = promisify(execFile);
export const CACHE_DIR = join(tmpdir(), 'sluice-bench-serverless3-offline13');

function installedVersion(dir, name) {
  try {
    return JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

function versionsIn(dir) {
  const serverless = installedVersion(dir, 'serverless');
  const offline = installedVersion(dir, 'serverless-offline');
  return serverless?.startsWith('3.') && offline?.startsWith('13.') ? { serverless, offline } : undefined;
}

/** Returns the install folder and versions, installing on first use. */
export async function ensureServerlessOffline(log) {
  const cached = versionsIn(CACHE_DIR);
  if (cached) {
    log(`serverless ${cached.serverless} + serverless-offline ${cached.offline} from ${CACHE_DIR}`);
    return { dir: CACHE_DIR, ...cached };
  }
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-install-'));
  try {
    log(`installing serverless@3 serverless-offline@13 into ${dir} (about a minute, once)`);
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'sluice-bench-peers', private: true }));
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', 'serverless@3', 'serverless-offline@13'], {
      cwd: dir,
      timeout: 5 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const versions = versionsIn(dir);
    if (!versions) throw new Error(`npm install in ${dir} did not leave serverless 3.x and serverless-offline 13.x`);
    await rm(CACHE_DIR, { recursive: true, force: true });
    await rename(dir, CACHE_DIR);
    return { dir: CACHE_DIR, ...versions };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Starts `serverless offline start` on the bench service in `serviceDir` (created here).
 * Returns the server handle (stop() ends it), its base URL, and the time it was spawned.
 */
export async function startServerlessOffline({ installDir, serviceDir }) {
  await writeServerlessService(serviceDir);
  if (!existsSync(join(serviceDir, 'node_modules'))) await symlink(join(installDir, 'node_modules'), join(serviceDir, 'node_modules'), 'dir');
  const [httpPort, lambdaPort, websocketPort, albPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const env = {
    ...process.env,
    // Fake credentials and a region so the AWS provider does not look for real ones.
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_DEPRECATION_DISABLE: '*',
    SLS_INTERACTIVE_SETUP_DISABLE: '1',
    CI: '1',
  };
  // Its per-request log goes to a file: a pipe nobody reads would stall it, and discarding it would make it
  // cheaper than what its users run.
  const logFile = join(serviceDir, 'offline.log');
  const logFd = openSync(logFile, 'a');
  const args = [
    join(installDir, 'node_modules', 'serverless', 'bin', 'serverless.js'),
    'offline',
    'start',
    '--host', '127.0.0.1',
    '--httpPort', String(httpPort),
    '--lambdaPort', String(lambdaPort),
    '--websocketPort', String(websocketPort),
    '--albPort', String(albPort),
    '--noPrependStageInUrl',
  ];
  const spawnedAt = performance.now();
  const server = spawnServer(process.execPath, args, { cwd: serviceDir, env, stdio: ['ignore', logFd, logFd], signal: 'SIGINT' });
  closeSync(logFd);
  return {
    server,
    spawnedAt,
    baseUrl: `http://127.0.0.1:${httpPort}`,
    logTail: () => {
      try {
        return readFileSync(logFile, 'utf8').slice(-3000);
      } catch {
        return '';
      }
    },
  };
}
