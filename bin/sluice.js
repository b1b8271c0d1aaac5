#!/usr/bin/env node
// Entry of the `sluice` command: runs the built CLI.
import { main } from '../dist/cli/main.js';

const code = await main(process.argv.slice(2));
process.exitCode = code;
