// HTTP client from the CLI to a control plane: finds it (--server, SLUICE_URL, default 127.0.0.1:4600),
// sends the token (SLUICE_TOKEN, else the one `sluice login` stored for that server), and turns API errors
// and an absent server into SluiceErrors.
//
// It speaks node:http(s) rather than the global fetch: a CLI run makes one or two requests, and loading and
// starting fetch's HTTP stack (undici) costs a run more than the request itself (about 40 ms of a no-change
// deploy). One connection per request, closed after it (no keep-alive), so nothing holds the process open.

import type { IncomingMessage, RequestOptions } from 'node:http';
import { SluiceError, type ErrorBody } from '../errors/index.js';
import { storedToken } from './credentials.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:4600';

/** Redirects followed per request, as fetch would (it allows 20; a control plane behind a proxy needs 1 or 2). */
const MAX_REDIRECTS = 5;

export class ApiClient {
  #token: Promise<string | undefined> | undefined;

  /** token: a token, or where to look one up (read once, on the first request). */
  constructor(readonly server: string, private readonly token: string | undefined | (() => Promise<string | undefined>)) {}

  static fromOptions(options: { server?: string }): ApiClient {
    const server = (options.server ?? process.env.SLUICE_URL ?? DEFAULT_SERVER).replace(/\/$/, '');
    return new ApiClient(server, process.env.SLUICE_TOKEN || (() => storedToken(server)));
  }

  /** The bearer token and, for a control plane without tokens, who the local user is. */
  private async identityHeaders(headers: Record<string, string>): Promise<void> {
    this.#token ??= typeof this.token === 'function' ? this.token() : Promise.resolve(this.token);
    const token = await this.#token;
    if (token) headers.authorization = `Bearer ${token}`;
    const user = process.env.USER ?? process.env.USERNAME;
    if (user) headers['x-sluice-user'] = user;
  }

  async get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  async put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  async delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  /** Sends a request whose answer is a stream of JSON lines; calls onLine for each. */
  async stream(path: string, body: unknown, onLine: (line: Record<string, unknown>) => void): Promise<void> {
    const response = await this.send('POST', path, body);
    if (!isOk(response)) await this.fail(response);
    for await (const line of textBlocks(response, '\n')) if (line.trim()) onLine(JSON.parse(line) as Record<string, unknown>);
  }

  /** Follows a server-sent event stream until stop() is called or the server ends it. */
  async events(path: string, onEvent: (event: { id?: string; event: string; data: string }) => void, signal?: AbortSignal): Promise<void> {
    let response: IncomingMessage;
    try {
      response = await this.send('GET', path, undefined, { accept: 'text/event-stream' }, signal);
    } catch (error) {
      if (signal?.aborted) return;
      throw error;
    }
    if (!isOk(response)) await this.fail(response);
    try {
      for await (const block of textBlocks(response, '\n\n')) {
        const fields: Record<string, string> = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          if (colon > 0) fields[line.slice(0, colon)] = (fields[line.slice(0, colon)] ? fields[line.slice(0, colon)] + '\n' : '') + line.slice(colon + 1).replace(/^ /, '');
        }
        if (fields.data !== undefined) onEvent({ id: fields.id, event: fields.event ?? 'message', data: fields.data });
      }
    } catch (error) {
      if (!signal?.aborted) throw error;
    }
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    if (!isOk(response)) await this.fail(response);
    return JSON.parse(await readText(response)) as T;
  }

  /** Sends one request and resolves with the response once its head has arrived (the body still to read). */
  private async send(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}, signal?: AbortSignal): Promise<IncomingMessage> {
    const headers: Record<string, string> = { ...extraHeaders };
    if (body !== undefined) headers['content-type'] = 'application/json';
    await this.identityHeaders(headers);
    let payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    try {
      let url = new URL(this.server + path);
      for (let redirects = 0; ; redirects++) {
        const response = await exchange(url, { method, headers, signal }, payload);
        const location = response.headers.location;
        if (!isRedirect(response.statusCode) || !location || redirects === MAX_REDIRECTS) return response;
        response.resume();
        const next = new URL(location, url);
        // As fetch does: 303 (and 301/302 after a POST) continue as GET without a body; another origin gets no token.
        if (response.statusCode === 303 || ((response.statusCode === 301 || response.statusCode === 302) && method === 'POST')) {
          method = 'GET';
          payload = undefined;
          delete headers['content-type'];
        }
        if (next.origin !== url.origin) delete headers.authorization;
        url = next;
      }
    } catch (cause) {
      if (signal?.aborted) throw cause;
      throw new SluiceError('SERVER_UNREACHABLE', `No Sluice control plane answers at ${this.server}.`, { cause });
    }
  }

  private async fail(response: IncomingMessage): Promise<never> {
    let body: { error?: ErrorBody } | undefined;
    try {
      body = JSON.parse(await readText(response)) as { error?: ErrorBody };
    } catch {
      body = undefined;
    }
    if (body?.error?.code) throw Object.assign(new Error(body.error.message), { body: body.error });
    throw new SluiceError('INTERNAL', `The control plane answered ${response.statusCode} ${response.statusMessage ?? ''} without an error body.`);
  }
}

/** One request on a connection of its own (no agent, so no keep-alive): resolves with the response head. */
async function exchange(url: URL, options: RequestOptions & { signal?: AbortSignal }, payload: Buffer | undefined): Promise<IncomingMessage> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported protocol ${url.protocol}`);
  // node:https (and its TLS stack) only for a control plane that needs it.
  const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const headers = { ...(options.headers as Record<string, string>), ...(payload ? { 'content-length': String(payload.length) } : {}) };
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { ...options, headers, agent: false }, resolve);
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

function isOk(response: IncomingMessage): boolean {
  const status = response.statusCode ?? 0;
  return status >= 200 && status < 300;
}

function isRedirect(status: number | undefined): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

async function readText(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The response body as text pieces ending at `separator` (the last piece may end without it). */
async function* textBlocks(response: AsyncIterable<Uint8Array>, separator: string): AsyncIterable<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf(separator)) >= 0) {
      yield buffer.slice(0, end);
      buffer = buffer.slice(end + separator.length);
    }
  }
  if (buffer) yield buffer;
}
