// `sluice invoke` and `sluice logs`: call a function directly, read (or follow) its logs.

import type { Command } from 'commander';
import { SluiceError } from '../../errors/index.js';
import type { InvokeOutcome } from '../../server/index.js';
import type { StoredLogEntry } from '../../store/index.js';
import { ApiClient } from '../api-client.js';
import { appName } from '../app-context.js';
import { dim, print, printJson, red, yellow } from '../output.js';

export function registerFunctionCommands(program: Command): void {
  const client = () => ApiClient.fromOptions(program.opts());

  program
    .command('invoke')
    .description('Invoke a function of a stage directly with an event (like aws lambda invoke)')
    .argument('<function>', 'function name, or service.function when the name is in several services')
    .requiredOption('-s, --stage <stage>', 'stage')
    .option('-d, --data <json>', 'event as JSON', '{}')
    .option('--app <name>', 'app name (default: the app of sluice.app.yml here)')
    .option('--dir <dir>', 'app folder holding sluice.app.yml')
    .option('--json', 'print the whole invocation record as JSON')
    .action(async (fn: string, options: { stage: string; data: string; app?: string; dir?: string; json?: boolean }) => {
      let event: unknown;
      try {
        event = JSON.parse(options.data);
      } catch {
        throw new SluiceError('INVALID_ARGUMENT', '--data is not valid JSON.', { hint: `Quote it for the shell: --data '{"name":"x"}'` });
      }
      const outcome = await client().post<InvokeOutcome & { service: string; function: string }>(
        `/api/apps/${appName(options)}/stages/${encodeURIComponent(options.stage)}/functions/${encodeURIComponent(fn)}/invoke`,
        { event },
      );
      if (options.json) return printJson(outcome);
      if (outcome.error) {
        process.stderr.write(`${red(outcome.error.type)}: ${outcome.error.message}\n`);
        process.exitCode = 1;
      } else print(JSON.stringify(outcome.result, null, 2));
      process.stderr.write(dim(`${outcome.service}.${outcome.function} v${outcome.versionNumber} · ${outcome.durationMs.toFixed(1)} ms · request ${outcome.requestId}\n`));
    });

  program
    .command('logs')
    .description("Show a function's logs (console output with request ids); --tail follows new lines")
    .argument('<function>', 'function name, or service.function')
    .requiredOption('-s, --stage <stage>', 'stage')
    .option('-t, --tail', 'keep following new log lines')
    .option('--since <duration>', 'only lines newer than this, e.g. 10m, 2h')
    .option('-n, --limit <n>', 'number of lines', '100')
    .option('--app <name>', 'app name (default: the app of sluice.app.yml here)')
    .option('--dir <dir>', 'app folder holding sluice.app.yml')
    .option('--json', 'print entries as JSON lines')
    .action(async (fn: string, options: { stage: string; tail?: boolean; since?: string; limit: string; app?: string; dir?: string; json?: boolean }) => {
      const base = `/api/apps/${appName(options)}/stages/${encodeURIComponent(options.stage)}/logs?function=${encodeURIComponent(fn)}`;
      const since = options.since ? Date.now() - parseDuration(options.since) : undefined;
      let afterId: number | undefined;
      const fetchOnce = async () => {
        const query = `${base}&limit=${Number(options.limit) || 100}${since ? `&since=${since}` : ''}${afterId ? `&afterId=${afterId}` : ''}`;
        const { entries } = await client().get<{ entries: StoredLogEntry[] }>(query);
        for (const entry of entries) {
          afterId = Math.max(afterId ?? 0, entry.id);
          if (options.json) print(JSON.stringify(entry));
          else print(formatLogLine(entry));
        }
      };
      await fetchOnce();
      if (!options.tail) return;
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => void fetchOnce().catch(() => undefined), 1000);
        process.once('SIGINT', () => {
          clearInterval(timer);
          resolve();
        });
      });
    });
}

export function formatLogLine(entry: StoredLogEntry): string {
  const level = entry.level === 'error' ? red('ERROR') : entry.level === 'warn' ? yellow('WARN ') : entry.level === 'system' ? dim('SYS  ') : 'INFO ';
  return `${dim(new Date(entry.ts).toISOString())} ${dim(entry.requestId.slice(0, 8))} ${level} ${entry.message}`;
}

export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) throw new SluiceError('INVALID_ARGUMENT', `"${text}" is not a duration.`, { hint: 'Write a number with a unit: 30s, 10m, 2h, 1d.' });
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
