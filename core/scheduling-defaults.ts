/**
 * Defaults the workflow needs at run time, kept apart from the zod model (core/scheduling.ts uses
 * them too) so the deterministic workflow bundle does not load zod. A run whose input was stored by
 * an older PSTT, before a field existed, takes these instead of failing its workflow task forever.
 */
export const RETRY_DEFAULTS = { max_attempts: 5, initial_backoff: '5s', max_backoff: '5m' } as const;
export const TIMEOUT_DEFAULT_SECONDS = 3600;
/** `kafka_config.max_batch_bytes`: bytes of one producer send at most (1 MiB). */
export const MAX_BATCH_BYTES_DEFAULT = 1024 * 1024;
