import { isGrpcServiceError, type Client } from '@temporalio/client';
import { TemporalUnavailableError } from '../errors';
import { logger } from '../logger';
import { withCallTimeout } from './client';

const log = logger.child({ component: 'temporal' });

/** Deadline of each Temporal call the API makes: its routes answer 503 within it when the server is gone. */
export const TEMPORAL_CALL_TIMEOUT_MS = 2_500;

/** How old the known state may get before `state()` asks the server again (in the background). */
const STATE_MAX_AGE_MS = 5_000;

// gRPC status codes (@grpc/grpc-js is not one of our direct dependencies).
const DEADLINE_EXCEEDED = 4;
const UNAVAILABLE = 14;

/** `connected` after the server last answered, `unavailable` after it last did not, `unknown` before any call. */
export type TemporalState = 'connected' | 'unavailable' | 'unknown';

/** Why the server could not be reached, when that is what `err` (or one of its causes) says; null otherwise. */
function unavailableReason(err: unknown, timeoutMs: number): string | null {
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 8; depth++, e = e.cause) {
    if (!isGrpcServiceError(e)) continue;
    const code: number = e.code;
    if (code === DEADLINE_EXCEEDED) return `no answer within ${timeoutMs} ms`;
    // grpc-js ends its details with an empty "Resolution note:" when the name resolved fine.
    if (code === UNAVAILABLE) return e.details.replace(/\.?\s*Resolution note:\s*$/, '') || 'connection failed';
  }
  return null;
}

/** True when `err` says the server refused the connection or did not answer in time. */
export function isTemporalUnreachable(err: unknown): boolean {
  return err instanceof TemporalUnavailableError || unavailableReason(err, 0) !== null;
}

/**
 * The one way the API calls Temporal: every call made inside `call()` has a deadline, a server that
 * refuses or does not answer becomes a `TemporalUnavailableError` (503), and the outcome is remembered
 * so that health can say whether the server is reachable without waiting for it.
 */
export class TemporalLink {
  private known: { state: TemporalState; at: number } = { state: 'unknown', at: 0 };
  private probing: Promise<void> | null = null;

  constructor(
    readonly client: Client,
    readonly address: string,
    private readonly timeoutMs = TEMPORAL_CALL_TIMEOUT_MS,
  ) {}

  async call<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    try {
      const value = await withCallTimeout(this.timeoutMs, () => fn(this.client));
      this.remember('connected');
      return value;
    } catch (err) {
      if (err instanceof TemporalUnavailableError) throw err;
      const reason = unavailableReason(err, this.timeoutMs);
      // Any other error is an answer of the server (not found, invalid argument...).
      if (reason === null) {
        this.remember('connected');
        throw err;
      }
      this.remember('unavailable', reason);
      throw new TemporalUnavailableError(this.address, reason, { cause: err });
    }
  }

  /** The latest known state, at once; a state older than a few seconds is refreshed in the background. */
  state(): TemporalState {
    if (Date.now() - this.known.at > STATE_MAX_AGE_MS) {
      this.probing ??= this.call((c) => c.workflowService.getSystemInfo({}))
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => (this.probing = null));
    }
    return this.known.state;
  }

  /** Logs each change of state once, not each failed request. */
  private remember(state: TemporalState, reason?: string): void {
    if (state !== this.known.state) {
      if (state === 'unavailable') log.warn({ temporal: this.address, reason }, 'unavailable');
      else log.info({ temporal: this.address }, 'connected');
    }
    this.known = { state, at: Date.now() };
  }
}
