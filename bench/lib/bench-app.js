// The app every gateway contender serves: one service with a hello handler and one that awaits 20 ms,
// written at run time into a temporary folder as a Sluice app and as the equivalent serverless.yml.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const HANDLER_SOURCE = `// Written by bench/gateway.js. The same module serves every contender.
export const hello = async () => ({ statusCode: 200, body: '{"ok":true}' });

export const slow = async () => {
  await new Promise((resolve) => setTimeout(resolve, 20));
  return { statusCode: 200, body: '{"ok":true}' };
};
`;

export const APP = 'bench';
export const SERVICE = 'hello';
/** Route path of each handler, the same on every contender. */
export const ROUTES = { hello: '/hello', slow: '/slow' };

const SLUICE_APP = `app: ${APP}\nservices: [${SERVICE}]\n`;

const SLUICE_SERVICE = `service: ${SERVICE}
functions:
  hello:
    handler: src/handler.hello
    concurrency: 1000
    events: [ { http: GET ${ROUTES.hello} } ]
  slow:
    handler: src/handler.slow
    concurrency: 1000
    events: [ { http: GET ${ROUTES.slow} } ]
`;

// httpApi events are not prefixed with the stage by serverless-offline (since v7), so the paths match.
const SERVERLESS_YML = `service: ${SERVICE}
frameworkVersion: '3'
provider:
  name: aws
  runtime: nodejs20.x
  region: us-east-1
  stage: bench
functions:
  hello:
    handler: src/handler.hello
    events:
      - httpApi: { method: GET, path: ${ROUTES.hello} }
  slow:
    handler: src/handler.slow
    events:
      - httpApi: { method: GET, path: ${ROUTES.slow} }
plugins:
  - serverless-offline
`;

/** Writes the Sluice app into `dir`; returns the handler module's path. */
export async function writeSluiceApp(dir) {
  await mkdir(join(dir, SERVICE, 'src'), { recursive: true });
  await writeFile(join(dir, 'sluice.app.yml'), SLUICE_APP);
  await writeFile(join(dir, SERVICE, 'sluice.yml'), SLUICE_SERVICE);
  await writeFile(join(dir, SERVICE, 'src', 'handler.mjs'), HANDLER_SOURCE);
  return join(dir, SERVICE, 'src', 'handler.mjs');
}

/** Writes the Serverless Framework service into `dir`. */
export async function writeServerlessService(dir) {
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(join(dir, 'serverless.yml'), SERVERLESS_YML);
  await writeFile(join(dir, 'src', 'handler.mjs'), HANDLER_SOURCE);
}
