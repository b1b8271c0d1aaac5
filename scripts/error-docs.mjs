// Regenerates docs/errors.md from the error registry: `node scripts/error-docs.mjs` after `npm run build`.
import { writeFileSync } from 'node:fs';
import { ERROR_CODES } from '../dist/errors/index.js';

const rows = Object.entries(ERROR_CODES).map(([code, { status, hint }]) => `| \`${code}\` | ${status} | ${hint.replaceAll('|', '\\|')} |`);
const text = [
  '# Error codes',
  '',
  'Every error that reaches a user has a code, a message and a hint. The API returns it as',
  '`{ "error": { "code", "message", "hint" } }` with the HTTP status below; the CLI prints it without a stack.',
  'A test keeps this table in step with `src/errors/sluice-error.ts`; regenerate it with `node scripts/error-docs.mjs`.',
  '',
  '| code | HTTP status | default hint |',
  '| --- | --- | --- |',
  ...rows,
  '',
].join('\n');
writeFileSync(new URL('../docs/errors.md', import.meta.url), text);
