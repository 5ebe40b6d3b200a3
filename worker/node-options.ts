/**
 * V8's young generation of every thread of the worker, per semi-space (the flag also overrides the
 * row thread's own young-generation limit): an export's garbage dies young, and a smaller nursery is
 * collected more often, cheaply, and releases the buffers that dead objects hold sooner. Measured
 * (`npm run bench`, 2M rows; BENCHMARKS.md): 16 MB, Node's default for the main thread, 258-268 MB peak
 * RSS; 8 MB ~235 MB; 4 MB 200-214 MB, but PostgreSQL's row thread then spends ~1 µs/row more.
 */
const SEMI_SPACE_MB = 8;

/**
 * Node options of a worker process. A bounded old-space heap makes V8 collect instead of growing
 * its heap during long exports, so the worker's memory does not grow with the result set (see
 * BENCHMARKS.md); raise PSTT_WORKER_HEAP_MB for a worker running many large exports at once.
 * `npm run worker`, the Dockerfile and compose.yaml spell the same options out.
 */
export function workerNodeOptions(env: NodeJS.ProcessEnv = process.env): string[] {
  const heapMb = Number(env.PSTT_WORKER_HEAP_MB ?? 256);
  const heap = Number.isInteger(heapMb) && heapMb >= 128 ? [`--max-old-space-size=${heapMb}`] : [];
  return [...heap, `--max-semi-space-size=${SEMI_SPACE_MB}`];
}

/**
 * Environment of a worker process. glibc gives each thread that allocates its own malloc arena (the
 * worker has Temporal's Rust runtime threads, libuv's pool, V8's, the workflow and row threads); two
 * arenas cut the worker's peak RSS by ~15 MB at the same CPU time (BENCHMARKS.md). Read by glibc at
 * process start, so it is set by whoever starts the worker; one set by the operator wins.
 */
export function workerEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { MALLOC_ARENA_MAX: '2', ...env };
}
