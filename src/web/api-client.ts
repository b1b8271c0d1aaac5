// The control-plane API as the dashboard calls it: JSON over fetch with the session's bearer token.
// Every failure becomes an ApiError carrying the server's `{ code, message, hint }`, so pages can show
// the hint; a 401 also tells the session (auth.ts) to ask for a token.

const TOKEN_KEY = 'sluice.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage can be disabled; the token then lasts as long as this page does.
  }
}

const unauthorizedListeners = new Set<(error: ApiError) => void>();

/** Called on every 401 answer (the API or the event stream). */
export function onUnauthorized(listener: (error: ApiError) => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export function reportUnauthorized(error: ApiError): void {
  for (const listener of [...unauthorizedListeners]) listener(error);
}

export function authorizationHeaders(): Record<string, string> {
  const token = storedToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
}

export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...authorizationHeaders() };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      cache: 'no-store',
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiError(0, 'UNREACHABLE', 'The control plane does not answer.', 'Check that `sluice up` is running; the page reconnects by itself.');
  }
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const error = errorFromBody(response.status, parsed);
    if (response.status === 401) reportUnauthorized(error);
    throw error;
  }
  return parsed as T;
}

export const apiGet = <T>(path: string, signal?: AbortSignal) => apiRequest<T>(path, { signal });
export const apiPost = <T>(path: string, body: unknown = {}) => apiRequest<T>(path, { method: 'POST', body });
export const apiPut = <T>(path: string, body: unknown) => apiRequest<T>(path, { method: 'PUT', body });

function errorFromBody(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; hint?: unknown } } | undefined)?.error;
  if (error && typeof error.message === 'string') {
    return new ApiError(status, String(error.code ?? 'ERROR'), error.message, typeof error.hint === 'string' ? error.hint : undefined);
  }
  return new ApiError(status, `HTTP_${status}`, `The control plane answered ${status}.`, status >= 500 ? 'The server log (`sluice up`) says why.' : undefined);
}

/** Encodes each value for a path segment: `path\`/api/apps/${app}\`` never lets a name add segments. */
export function path(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? encodeURIComponent(String(values[i])) : ''), '');
}
