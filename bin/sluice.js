#!/usr/bin/env node
// Entry of the `sluice` command: runs the built CLI. A finished command exits at once, once its output is
// flushed, instead of waiting for idle keep-alive connections to time out.
import { main } from '../dist/bundle/cli.js';

const code = await main(process.argv.slice(2));
process.exitCode = code;
const longRunning = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
if (longRunning !== 'up' && longRunning !== 'demo') {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
