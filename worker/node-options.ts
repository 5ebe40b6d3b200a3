/**
 * Node options of a worker process. A bounded old-space heap makes V8 collect instead of growing
 * its heap during long exports, so the worker's memory does not grow with the result set (see
 * BENCHMARKS.md); raise PSTT_WORKER_HEAP_MB for a worker running many large exports at once.
 */
export function workerNodeOptions(env: NodeJS.ProcessEnv = process.env): string[] {
  const heapMb = Number(env.PSTT_WORKER_HEAP_MB ?? 256);
  return Number.isInteger(heapMb) && heapMb >= 128 ? [`--max-old-space-size=${heapMb}`] : [];
}
