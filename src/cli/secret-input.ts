// Reads a secret the user gives the CLI (a token for `sluice login`): piped on standard input, or typed at
// a prompt that does not echo it, so it stays out of shell history and off the screen.

import { SluiceError } from '../errors/index.js';

export async function readSecretInput(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) return readAll();
  return promptHidden(prompt);
}

async function readAll(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function promptHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003') return finish(new SluiceError('INVALID_ARGUMENT', 'Cancelled.', { hint: 'Run `sluice login` again when you have the token.' }));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    input.on('data', onData);
  });
}
