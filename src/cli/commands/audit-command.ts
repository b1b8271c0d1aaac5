// `sluice audit`: the timeline of every state change — who, what, to what, when, from which commit.

import type { Command } from 'commander';
import type { AuditEntry } from '../../server/index.js';
import { ApiClient } from '../api-client.js';
import { appName, findAppRoot } from '../app-context.js';
import { dim, print, printJson, table } from '../output.js';

interface AuditOptions {
  stage?: string;
  app?: string;
  dir?: string;
  since?: string;
  limit: string;
  json?: boolean;
}

export function registerAuditCommand(program: Command): void {
  program
    .command('audit')
    .description('Show the audit timeline: deploys, traffic steps, alarms, rollbacks, params, secrets, tokens, stages')
    .option('-s, --stage <stage>', 'only this stage (of --app, or of the app in this folder)')
    .option('--app <name>', 'only this app')
    .option('--dir <dir>', 'app folder holding sluice.app.yml')
    .option('--since <when>', 'only entries since a span ago (90s, 15m, 1h, 7d) or a date (2025-01-31)')
    .option('-n, --limit <n>', 'at most this many entries, the newest', '1000')
    .option('--json', 'print the entries as JSON')
    .action(async (options: AuditOptions) => {
      const query = new URLSearchParams({ limit: String(Number(options.limit) || 1000) });
      const app = options.app ?? (options.stage && (options.dir || findAppRoot()) ? appName(options) : undefined);
      if (app) query.set('app', app);
      if (options.stage) query.set('stage', options.stage);
      if (options.since) query.set('since', options.since);
      const { entries } = await ApiClient.fromOptions(program.opts()).get<{ entries: AuditEntry[] }>(`/api/audit?${query}`);
      if (options.json) return printJson(entries);
      if (entries.length === 0) return print(dim('Nothing on the timeline for that selection.'));
      print(table(['time', 'actor', 'action', 'target', 'commit'], entries.map((e) => [localTime(e.ts), e.actor, e.action, e.target, e.commit?.slice(0, 12) ?? '-'])));
    });
}

function localTime(ts: number): string {
  const d = new Date(ts);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
