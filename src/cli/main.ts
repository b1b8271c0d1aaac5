// The `sluice` command line. Every command but `up` and `demo` is a thin client of a control plane's API.
// A run loads only the module of the command it names, and command modules import heavy parts (bundler,
// store, server) only inside their actions, so `sluice` starts fast.

import { Command, CommanderError } from 'commander';
import { SLUICE_VERSION } from '../version.js';
import { printError } from './output.js';

type RegisterCommands = (program: Command) => void;

/**
 * The command modules in the order `sluice --help` lists them, each with the top-level commands it registers
 * (main.test.ts keeps this true). Help, a mistyped command or none at all loads every module.
 */
export const COMMAND_MODULES: ReadonlyArray<{ commands: readonly string[]; load: () => Promise<RegisterCommands> }> = [
  { commands: ['up'], load: async () => (await import('./commands/up.js')).registerUp },
  { commands: ['deploy'], load: async () => (await import('./commands/deploy.js')).registerDeploy },
  { commands: ['info', 'remove', 'stages'], load: async () => (await import('./commands/stage-commands.js')).registerStageCommands },
  { commands: ['invoke', 'logs'], load: async () => (await import('./commands/function-commands.js')).registerFunctionCommands },
  { commands: ['rollout', 'rollback'], load: async () => (await import('./commands/rollout-commands.js')).registerRolloutCommands },
  { commands: ['runs', 'approve', 'reject', 'promote'], load: async () => (await import('./commands/pipeline-commands.js')).registerPipelineCommands },
  { commands: ['connect', 'ci'], load: async () => (await import('./commands/connect-commands.js')).registerConnectCommands },
  { commands: ['params', 'secrets'], load: async () => (await import('./commands/config-commands.js')).registerConfigCommands },
  { commands: ['tokens', 'login', 'logout', 'whoami'], load: async () => (await import('./commands/token-commands.js')).registerTokenCommands },
  { commands: ['audit'], load: async () => (await import('./commands/audit-command.js')).registerAuditCommand },
  { commands: ['demo'], load: async () => (await import('./commands/demo.js')).registerDemo },
];

/** The program with every command, or with only the module of the command `argv` names. */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command('sluice')
    .description('Safe delivery of serverless apps: stages, previews, rollouts and a local function runtime')
    .version(SLUICE_VERSION)
    .option('--server <url>', 'control plane URL (default: SLUICE_URL or http://127.0.0.1:4600)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const word = argv === undefined ? undefined : commandWord(argv);
  const named = COMMAND_MODULES.find((module) => word !== undefined && module.commands.includes(word));
  const registers = await Promise.all((named ? [named] : COMMAND_MODULES).map((module) => module.load()));
  for (const register of registers) register(program);
  return program;
}

/** The first word that is neither an option nor the value of `--server`: the command to run. */
function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--server') i++;
    else if (!argv[i]!.startsWith('-')) return argv[i];
  }
  return undefined;
}

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    return printError(error, json);
  }
}
