// `sluice up`: runs a control plane (API + gateway) in the foreground until SIGINT/SIGTERM.
// Stdout carries the human start-up lines, or with --json one JSON line first (scripts and tests read it);
// the structured JSON logs go to stderr (the gateway process's to <home>/gateway.log).

import type { Command } from 'commander';
import { resolve } from 'node:path';
import { SluiceError } from '../../errors/index.js';
import { bold, cyan, dim, print } from '../output.js';

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('Start the control plane (HTTP API, port 4600) and the gateway for deployed functions (port 4601)')
    .option('--port <port>', 'API port', '4600')
    .option('--gateway-port <port>', 'gateway port', '4601')
    .option('--host <host>', 'address to bind; anything but loopback needs SLUICE_TOKEN', '127.0.0.1')
    .option('--home <dir>', 'data directory (default: SLUICE_HOME or ./.sluice)')
    .option('--json', 'print the URLs as one JSON line once ready')
    .option('--log-level <level>', 'JSON logs on stderr (and the gateway\'s in <home>/gateway.log): debug, info, warn or error', 'info')
    .action(async (options: { port: string; gatewayPort: string; host: string; home?: string; json?: boolean; logLevel: string }) => {
      const started = performance.now();
      const home = resolve(options.home ?? process.env.SLUICE_HOME ?? '.sluice');
      const { startControlPlane, parseLogLevel } = await import('../../composition/index.js');
      const logLevel = parseLogLevel(options.logLevel);
      const plane = await startControlPlane({
        logLevel,
        home,
        host: options.host,
        port: port(options.port, '--port'),
        gatewayPort: port(options.gatewayPort, '--gateway-port'),
        databaseUrl: process.env.DATABASE_URL || undefined,
        token: process.env.SLUICE_TOKEN || undefined,
        masterKey: process.env.SLUICE_MASTER_KEY || undefined,
      });
      const readyMs = Math.round(performance.now() - started);
      if (options.json) print(JSON.stringify({ api: plane.apiUrl, gateway: plane.gatewayUrl, home, store: plane.store.dialect, readyMs }));
      else {
        print(`${bold('Sluice')} is up ${dim(`(${readyMs} ms, store: ${plane.store.dialect}, home: ${home})`)}`);
        print(`  API and dashboard  ${cyan(plane.apiUrl)}`);
        print(`  Gateway            ${cyan(plane.gatewayUrl)}`);
        print(dim('  Press Ctrl+C to stop.'));
      }
      await new Promise<void>((done) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          if (!options.json) print(dim(`\n${signal}: stopping…`));
          void plane.close().then(done, (error: unknown) => {
            plane.log.error({ err: error }, 'the control plane did not stop cleanly');
            done();
          });
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
    });
}

function port(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new SluiceError('INVALID_ARGUMENT', `${option} must be a port number (0-65535), got "${value}".`);
  return n;
}
