import { AsyncLocalStorage } from 'node:async_hooks';
import {
  Client,
  Connection,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
  type ConnectionOptions,
} from '@temporalio/client';
import type { AppConfig } from '../config';

/**
 * How soon a client tries again after losing the server: the first retry after `initialMs`, then
 * doubling up to `maxMs`, so a process notices the server's return within `maxMs`. Shared by the
 * clients' gRPC channels and the worker's start-up wait.
 */
export const TEMPORAL_RECONNECT = { initialMs: 1_000, maxMs: 10_000 } as const;

/** The per-call timeout of the calls made inside `withCallTimeout`. */
const callTimeout = new AsyncLocalStorage<number>();

type Interceptor = NonNullable<ConnectionOptions['interceptors']>[number];

/**
 * Gives each gRPC call made inside `withCallTimeout` its own deadline, unless it has one, and retries
 * what the SDK retries (UNAVAILABLE...) with the SDK's backoff, but never past the call's deadline: the
 * SDK's own retry interceptor sleeps past it, so a stopped server answered only after ~20 s.
 */
const boundedRetryInterceptor: Interceptor = (options, nextCall) => {
  const ms = callTimeout.getStore();
  const withDeadline =
    ms === undefined || options.deadline !== undefined ? options : { ...options, deadline: Date.now() + ms };
  const deadline = withDeadline.deadline === undefined ? Infinity : new Date(withDeadline.deadline).getTime();
  const sdk = defaultGrpcRetryOptions();
  let delay = 0;
  return makeGrpcRetryInterceptor({
    retryableDecider(attempt, status) {
      delay = sdk.delayFunction(attempt, status);
      return sdk.retryableDecider(attempt, status) && Date.now() + delay < deadline;
    },
    delayFunction: () => delay,
  })(withDeadline, nextCall);
};

function connectionOptions(config: AppConfig['temporal']): ConnectionOptions {
  return {
    address: config.address,
    connectTimeout: '10s',
    channelArgs: {
      'grpc.initial_reconnect_backoff_ms': TEMPORAL_RECONNECT.initialMs,
      'grpc.max_reconnect_backoff_ms': TEMPORAL_RECONNECT.maxMs,
    },
    interceptors: [boundedRetryInterceptor],
  };
}

/** Runs `fn` with a deadline of `ms` on each Temporal call it makes (through clients made here). */
export function withCallTimeout<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  return callTimeout.run(ms, fn);
}

/** Connects a Temporal client to the configured server and namespace; fails when the server does not answer. */
export async function connectTemporalClient(config: AppConfig['temporal']): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(config));
  return new Client({ connection, namespace: config.namespace });
}

/**
 * A Temporal client that connects at its first call and reconnects by itself: for long-running
 * processes (API, worker), which must start, and keep serving what they can, while the server is down.
 */
export function lazyTemporalClient(config: AppConfig['temporal']): Client {
  return new Client({ connection: Connection.lazy(connectionOptions(config)), namespace: config.namespace });
}
