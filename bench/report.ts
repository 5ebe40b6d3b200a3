import type { SourceKind } from './bench-options';

/** What one case measured; `error` set when it did not finish. */
export interface CaseResult {
  source: SourceKind;
  rows: number;
  seconds: number;
  bytes: number;
  /** VmHWM over the worker's whole life: the figure the bound is checked on. */
  peakRssMb: number;
  /** CPU seconds the worker process used during the export (all its threads). */
  exportCpuSeconds: number;
  /** From spawning the worker process to its polling for workflow and activity tasks. */
  startupSeconds: number;
  /** VmHWM once the worker was polling, before the export: start-up (loading or bundling the workflows) included. */
  startupPeakMb: number;
  /** VmHWM from the export's start to its end (reset at start). */
  exportPeakMb: number;
  messagesInTopic: number;
  error?: string;
}

export const RSS_RATIO_BOUND = 1.2;
/** Issue 13's bar: the worker's peak RSS during a 2M-row export. */
export const PEAK_RSS_BOUND_MB = 256;

const MB = 1024 * 1024;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatResults(results: CaseResult[]): string {
  const header = [
    'case',
    'rows',
    'seconds',
    'rows/s',
    'MB/s',
    'worker CPU s',
    'peak RSS MB',
    'start-up s',
    'start-up peak MB',
    'export peak MB',
  ];
  const rows = results.map((r) => {
    const label = `${r.source} ${r.rows.toLocaleString('en-US')}`;
    if (r.error) return [label, String(r.rows), 'FAILED', r.error];
    return [
      label,
      String(r.rows),
      r.seconds.toFixed(1),
      Math.round(r.rows / r.seconds).toLocaleString('en-US'),
      (r.bytes / MB / r.seconds).toFixed(2),
      r.exportCpuSeconds.toFixed(1),
      r.peakRssMb.toFixed(1),
      r.startupSeconds.toFixed(1),
      r.startupPeakMb.toFixed(1),
      r.exportPeakMb.toFixed(1),
    ];
  });
  return table(header, rows);
}

/** Per source: peak RSS of the large run over the small run's, against the bound. */
export function formatRatios(results: CaseResult[], rowsSmall: number, rowsLarge: number): string {
  const lines: string[] = [];
  for (const source of [...new Set(results.map((r) => r.source))]) {
    const small = results.find((r) => r.source === source && r.rows === rowsSmall && !r.error);
    const large = results.find((r) => r.source === source && r.rows === rowsLarge && !r.error);
    if (!small || !large) {
      lines.push(`${source}: FAIL (a run did not finish, no ratio)`);
      continue;
    }
    const ratio = large.peakRssMb / small.peakRssMb;
    const exportRatio = large.exportPeakMb / small.exportPeakMb;
    const verdict = ratio <= RSS_RATIO_BOUND ? 'PASS' : 'FAIL';
    lines.push(
      `${source}: peak RSS ${large.peakRssMb.toFixed(1)} / ${small.peakRssMb.toFixed(1)} MB = ${ratio.toFixed(3)} ` +
        `(bound ${RSS_RATIO_BOUND}) ${verdict}; export phase alone ${exportRatio.toFixed(3)}; ` +
        `peak ${large.peakRssMb.toFixed(1)} MB (bound ${PEAK_RSS_BOUND_MB} MB) ${large.peakRssMb <= PEAK_RSS_BOUND_MB ? 'PASS' : 'FAIL'}`,
    );
  }
  return lines.join('\n');
}
