// The app the multi-process tests deploy, written into a fresh folder: service `api` answers with its
// edition (a param) and has no alarms, so its rollouts step on time without traffic; service `jobs` runs a
// function every minute that logs the scheduled time it was invoked for (tests speed it up to every second
// behind the store's back: manifests allow minutes at least, the runtime also seconds).

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageApp, type AppPackage } from '../../src/engine/index.js';
import { tempDir } from './sluice-process.js';

const FILES: Record<string, string> = {
  'sluice.app.yml': 'app: scale\nservices: [api, jobs]\n',
  'api/sluice.yml': `service: api
functions:
  hello:
    handler: src/hello.handler
    environment:
      EDITION: \${param:edition, '1'}
    events:
      - http: GET /hello
`,
  'api/src/hello.mjs': `export async function handler() {
  return { statusCode: 200, body: JSON.stringify({ edition: process.env.EDITION }) };
}
`,
  'jobs/sluice.yml': `service: jobs
functions:
  tick:
    handler: src/tick.handler
    events:
      - schedule: rate(1 minute)
`,
  'jobs/src/tick.mjs': `export async function handler(event) {
  console.log('tick ' + event.time);
  return 'done';
}
`,
};

export interface ScaleApp {
  api: AppPackage;
  jobs: AppPackage;
  remove(): Promise<void>;
}

/** Writes the app and packages each service once (bundling is the slow part of a deploy). */
export async function packageScaleApp(): Promise<ScaleApp> {
  const dir = await tempDir('sluice-scale-app-');
  for (const [file, text] of Object.entries(FILES)) {
    await mkdir(join(dir.path, file, '..'), { recursive: true });
    await writeFile(join(dir.path, file), text);
  }
  return { api: await packageApp(dir.path, ['api']), jobs: await packageApp(dir.path, ['jobs']), remove: dir.remove };
}
