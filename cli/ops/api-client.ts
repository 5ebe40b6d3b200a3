import { ApiRequestError } from '../../core/errors';

export interface ApiClientOptions {
  /** Base URL of the PSTT API, e.g. `http://127.0.0.1:8000`. */
  baseUrl: string;
  /** Bearer token for the protected routes; never logged. */
  token?: string;
  /** Deadline of one request (the runbook's `-TimeoutSec 10`). @default 10000 */
  timeoutMs?: number;
}

/** A read-only client of the PSTT REST API for the operations commands (Node's own fetch, no shell tools). */
export class ApiClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /**
   * GETs `path` and returns its body (JSON, or text when `text` is set). Statuses in `accept` (default: 2xx)
   * are answers; anything else, or no answer within the deadline, throws ApiRequestError.
   */
  async get<T>(path: string, opts: { auth?: boolean; accept?: number[]; text?: boolean } = {}): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = { accept: opts.text ? 'text/plain' : 'application/json' };
    if (opts.auth) {
      if (!this.options.token) throw new ApiRequestError(url, null, 'no API token');
      headers.authorization = `Bearer ${this.options.token}`;
    }
    let res: Response;
    try {
      res = await fetch(url, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new ApiRequestError(url, null, reasonOf(err, this.timeoutMs));
    }
    const accepted = opts.accept ? opts.accept.includes(res.status) : res.ok;
    if (!accepted) {
      const hint =
        res.status === 401
          ? ' (token missing or not accepted)'
          : res.status === 403
            ? ' (the token lacks the read role)'
            : '';
      await res.body?.cancel();
      throw new ApiRequestError(url, res.status, `HTTP ${res.status}${hint}`);
    }
    try {
      return (opts.text ? await res.text() : await res.json()) as T;
    } catch (err) {
      throw new ApiRequestError(url, res.status, `unreadable answer: ${(err as Error).message}`);
    }
  }
}

/** fetch hides the network error in `cause`: ECONNREFUSED and friends are what an operator needs. */
function reasonOf(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  return e.cause?.message ?? e.cause?.code ?? e.message ?? String(err);
}
