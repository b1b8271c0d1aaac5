// Reads request bodies within Lambda's 6 MB payload limit, answering 413 past it.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { SluiceError } from '../errors/index.js';
import { sendJson } from './gateway-responses.js';
import { PAYLOAD_LIMIT_BYTES } from './http-response.js';

export function tooLarge(res: ServerResponse): void {
  sendJson(res, 413, { code: 'INVALID_BODY', message: `The request body is larger than ${PAYLOAD_LIMIT_BYTES} bytes (6 MB), the Lambda payload limit.`, hint: 'Send a smaller body, or upload large files elsewhere and pass a reference.' }, ['connection', 'close']);
}

/** Reads the body up to the payload limit; `null` for no body, `'too-large'` past the limit. */
export function readBody(req: IncomingMessage, callback: (body: Buffer | null | 'too-large') => void): void {
  const length = req.headers['content-length'];
  if (length === undefined && req.headers['transfer-encoding'] === undefined) {
    callback(null);
    return;
  }
  if (length !== undefined && Number(length) > PAYLOAD_LIMIT_BYTES) {
    callback('too-large');
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on('data', (chunk: Buffer) => {
    if (over) return;
    size += chunk.length;
    if (size > PAYLOAD_LIMIT_BYTES) {
      over = true;
      callback('too-large');
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (!over) callback(size === 0 ? null : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
  });
}

export function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    readBody(req, (body) => {
      if (body === 'too-large') return reject(new SluiceError('INVALID_BODY', `The body is larger than ${PAYLOAD_LIMIT_BYTES} bytes.`));
      if (body === null) return resolve({});
      try {
        resolve(JSON.parse(body.toString('utf8')));
      } catch {
        reject(new SluiceError('INVALID_BODY', 'The body is not valid JSON.'));
      }
    });
  });
}
