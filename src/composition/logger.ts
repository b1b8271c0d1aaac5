// Structured JSON logs (pino) of the control plane and of the gateway process: one JSON object per line,
// with `level` as a word, an ISO `time`, `name` (sluice-control-plane | sluice-gateway) and `pid`.
// The control plane writes to stderr, so `sluice up --json` keeps its ready line first on stdout; the
// gateway process writes to its stdout, which `sluice up` points at `<home>/gateway.log`.
// Writes are synchronous: a line logged just before the process exits is not lost.

import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import type pinoModule from 'pino';
import { SluiceError } from '../errors/index.js';
import type { EngineLog } from '../engine/index.js';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export function parseLogLevel(text: string | undefined, option = '--log-level'): LogLevelName {
  const level = (text ?? 'info').toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevelName;
  throw new SluiceError('INVALID_ARGUMENT', `${option} must be one of ${LOG_LEVELS.join(', ')}, got "${text}".`);
}

// pino is loaded by the first logger, not with this module: `sluice up` spawns its gateway first.
let loaded: typeof pinoModule | undefined;
function loadPino(): typeof pinoModule {
  return (loaded ??= createRequire(import.meta.url)('pino') as typeof pinoModule);
}

export function createLogger(options: { name: string; level?: LogLevelName; fd?: number }): Logger {
  const pino = loadPino();
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ fd: options.fd ?? 2, sync: true }),
  );
}

/** A logger that writes nothing (tests that build a control plane in-process). */
export function silentLogger(): Logger {
  return loadPino()({ level: 'silent' });
}

/** The engine's logging port, filled with a pino logger. */
export function engineLog(logger: Logger): EngineLog {
  return {
    warn: (fields, message) => logger.warn(fields, message),
    error: (fields, message) => logger.error(fields, message),
  };
}
