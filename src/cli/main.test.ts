// The CLI loads only the module of the command it runs: its table of modules must name exactly the commands
// each module registers, or a command would be missing from a run that names it.

import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, COMMAND_MODULES } from './main.js';

const names = (program: Command) => program.commands.map((command) => command.name());

describe('CLI command loading', () => {
  it('knows which top-level commands each module registers', async () => {
    for (const module of COMMAND_MODULES) {
      const program = new Command('sluice');
      (await module.load())(program);
      expect(names(program)).toEqual(module.commands);
    }
  });

  it('loads every command for help or an unknown word, and only the named one otherwise', async () => {
    const every = COMMAND_MODULES.flatMap((module) => module.commands);
    expect(names(await buildProgram())).toEqual(every);
    expect(names(await buildProgram(['--help']))).toEqual(every);
    expect(names(await buildProgram(['deplyo']))).toEqual(every);
    expect(names(await buildProgram(['deploy', '--stage', 'dev']))).toEqual(['deploy']);
    expect(names(await buildProgram(['--server', 'http://127.0.0.1:1', 'logs', 'report']))).toEqual(['invoke', 'logs']);
  });
});
