import autocannon from 'autocannon';

export interface LoadTarget {
  label: string;
  url: string;
  headers?: Record<string, string>;
}

/** What one endpoint did under load. */
export interface LoadResult {
  label: string;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Connection errors and timeouts. */
  errors: number;
  non2xx: number;
}

/** Keeps `connections` requests in flight against one URL for `duration` seconds. */
export async function runLoad(target: LoadTarget, duration: number, connections: number): Promise<LoadResult> {
  const result = await autocannon({ url: target.url, headers: target.headers, duration, connections });
  return {
    label: target.label,
    requests: result.requests.total,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

export function formatLoadResults(results: LoadResult[]): string {
  const header = ['endpoint', 'requests', 'req/s (avg)', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'non-2xx'];
  const rows = results.map((r) => [
    r.label,
    String(r.requests),
    r.requestsPerSecond.toFixed(1),
    r.p50Ms.toFixed(1),
    r.p99Ms.toFixed(1),
    r.maxMs.toFixed(1),
    String(r.errors),
    String(r.non2xx),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
