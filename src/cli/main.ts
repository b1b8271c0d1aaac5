// The `sluice` command line. Every command but `up` and `demo` is a thin client of a control plane's API.
// Command modules import heavy parts (bundler, store, server) only inside their actions, so `sluice` starts fast.

import { Command, CommanderError } from 'commander';
import { SLUICE_VERSION } from '../version.js';
import { registerConfigCommands } from './commands/config-commands.js';
import { registerDemo } from './commands/demo.js';
import { registerDeploy } from './commands/deploy.js';
import { registerFunctionCommands } from './commands/function-commands.js';
import { registerStageCommands } from './commands/stage-commands.js';
import { registerRolloutCommands } from './commands/rollout-commands.js';
import { registerUp } from './commands/up.js';
import { registerAuditCommand } from './commands/audit-command.js';
import { registerTokenCommands } from './commands/token-commands.js';
import { printError } from './output.js';

export function buildProgram(): Command {
  const program = new Command('sluice')
    .description('Safe delivery of serverless apps: stages, previews, rollouts and a local function runtime')
    .version(SLUICE_VERSION)
    .option('--server <url>', 'control plane URL (default: SLUICE_URL or http://127.0.0.1:4600)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerUp(program);
  registerDeploy(program);
  registerStageCommands(program);
  registerFunctionCommands(program);
  registerRolloutCommands(program);
  registerConfigCommands(program);
  registerTokenCommands(program);
  registerAuditCommand(program);
  registerDemo(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    return printError(error, json);
  }
}
