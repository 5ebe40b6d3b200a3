import fs from 'node:fs';
import path from 'node:path';
import type { HealthReport } from './health-check';

/** `health_check_YYYYMMDD.log`, dated in local time as the runbook's script does (Get-Date). */
export function healthLogFile(logsDir: string, at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return path.join(logsDir, `health_check_${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}.log`);
}

/** Appends one run's report (and any extra lines, such as the e-mail's outcome) to the day's log; returns the file. */
export function appendHealthLog(logsDir: string, report: HealthReport, extra: string[] = []): string {
  const file = healthLogFile(logsDir, new Date(report.checked_at));
  fs.mkdirSync(logsDir, { recursive: true });
  const head = `=== ${report.checked_at} pstt check ${report.api_url}: ${report.status} (exit ${report.exit_code}) ===`;
  fs.appendFileSync(file, `${[head, ...report.lines, ...extra].join('\n')}\n\n`);
  return file;
}
