import type { FieldError } from './types';

const TOKEN_KEY = 'pstt.api-token';

/** The API token lives for the browser session only (sessionStorage), never in a cookie or the URL. */
export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

/** An API answer other than 2xx, with the server's error code, message and field errors. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldError[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Fired when the server refuses the token, so the page can ask for a new one. */
export const SIGNED_OUT_EVENT = 'pstt:signed-out';

/** Calls the API with the session's bearer token; JSON in, JSON out, errors as ApiError. */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = tokenStore.get();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch {
    throw new ApiError(0, 'unreachable', 'the PSTT API does not answer');
  }
  if (response.status === 204) return undefined as T;
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok && !(path === '/api/kafka/health' && response.status === 503)) {
    if (response.status === 401) {
      tokenStore.clear();
      window.dispatchEvent(new Event(SIGNED_OUT_EVENT));
    }
    const message = typeof body.message === 'string' ? body.message : `HTTP ${response.status}`;
    throw new ApiError(
      response.status,
      typeof body.error === 'string' ? body.error : 'error',
      message,
      (body.details as FieldError[] | undefined) ?? [],
    );
  }
  return body as T;
}
