// HTTP client from the CLI to a control plane: finds it (--server, SLUICE_URL, default 127.0.0.1:4600),
// sends the token (SLUICE_TOKEN, else the one `sluice login` stored for that server), and turns API errors
// and an absent server into SluiceErrors.

import { SluiceError, type ErrorBody } from '../errors/index.js';
import { storedToken } from './credentials.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:4600';

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
    if (!response.ok) await this.fail(response);
    for await (const line of textBlocks(response, '\n')) if (line.trim()) onLine(JSON.parse(line) as Record<string, unknown>);
  }

  /** Follows a server-sent event stream until stop() is called or the server ends it. */
  async events(path: string, onEvent: (event: { id?: string; event: string; data: string }) => void, signal?: AbortSignal): Promise<void> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    await this.identityHeaders(headers);
    let response: Response;
    try {
      response = await fetch(this.server + path, { headers, signal });
    } catch (cause) {
      if (signal?.aborted) return;
      throw new SluiceError('SERVER_UNREACHABLE', `No Sluice control plane answers at ${this.server}.`, { cause });
    }
    if (!response.ok) await this.fail(response);
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
    if (!response.ok) await this.fail(response);
    return (await response.json()) as T;
  }

  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    await this.identityHeaders(headers);
    try {
      return await fetch(this.server + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (cause) {
      throw new SluiceError('SERVER_UNREACHABLE', `No Sluice control plane answers at ${this.server}.`, { cause });
    }
  }

  private async fail(response: Response): Promise<never> {
    let body: { error?: ErrorBody } | undefined;
    try {
      body = (await response.json()) as { error?: ErrorBody };
    } catch {
      body = undefined;
    }
    if (body?.error?.code) throw Object.assign(new Error(body.error.message), { body: body.error });
    throw new SluiceError('INTERNAL', `The control plane answered ${response.status} ${response.statusText} without an error body.`);
  }
}

/** The response body as text pieces ending at `separator` (the last piece may end without it). */
async function* textBlocks(response: Response, separator: string): AsyncIterable<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf(separator)) >= 0) {
      yield buffer.slice(0, end);
      buffer = buffer.slice(end + separator.length);
    }
  }
  if (buffer) yield buffer;
}
