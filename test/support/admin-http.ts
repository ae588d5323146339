import { mintToken } from './tokens';

export interface HttpReply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A token with the admin role, for the admin API. */
export const adminToken = (userId = 'ops') => mintToken(userId, { roles: ['admin'] });

/**
 * Calls the gateway's HTTP API; `token: null` sends no Authorization header.
 * JSON bodies are parsed, anything else is returned as text.
 */
export async function http<T = any>(
  url: string,
  path: string,
  options: { method?: 'GET' | 'POST'; token?: string | null; authorization?: string } = {},
): Promise<HttpReply<T>> {
  const token = options.token === undefined ? adminToken() : options.token;
  const headers: Record<string, string> = {};
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  else if (token !== null) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${url}${path}`, { method: options.method ?? 'GET', headers });
  const text = await response.text();
  const isJson = (response.headers.get('content-type') ?? '').includes('application/json');
  return { status: response.status, body: (isJson ? JSON.parse(text) : text) as T, headers: response.headers };
}

/** Polls `read` until `accept` holds (or the deadline passes, returning the last value). */
export async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
