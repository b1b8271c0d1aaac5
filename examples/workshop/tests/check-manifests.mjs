// The workshop's check (no dependencies to install): every service listed in sluice.app.yml has its
// sluice.yml, and every `handler: path/file.export` points at a source file that exports that name.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const app = readFileSync(join(root, 'sluice.app.yml'), 'utf8');
const services = /^services:\s*\[([^\]]*)\]/m.exec(app)?.[1].split(',').map((s) => s.trim()).filter(Boolean) ?? [];
let problems = 0;
for (const service of services) {
  const manifest = join(root, service, 'sluice.yml');
  if (!existsSync(manifest)) {
    console.error(`${service}: no sluice.yml`);
    problems++;
    continue;
  }
  for (const [, handler] of readFileSync(manifest, 'utf8').matchAll(/handler:\s*(\S+)/g)) {
    const dot = handler.lastIndexOf('.');
    const [file, name] = [handler.slice(0, dot), handler.slice(dot + 1)];
    const source = ['.ts', '.js', '.mjs'].map((ext) => join(root, service, file + ext)).find((path) => existsSync(path));
    if (!source) {
      console.error(`${service}: handler ${handler}: no file ${file}.ts/.js/.mjs`);
      problems++;
    } else if (!new RegExp(`export (async )?function ${name}\\b|export const ${name}\\b`).test(readFileSync(source, 'utf8'))) {
      console.error(`${service}: handler ${handler}: ${source.slice(root.length)} exports no ${name}`);
      problems++;
    } else {
      console.log(`${service}: ${handler} ok`);
    }
  }
}
process.exit(problems === 0 ? 0 : 1);
