import fs from 'node:fs';
import os from 'node:os';

/** Resident memory of a process of this host, or null with the reason it cannot be read. */
export type RssReading = { rssBytes: number } | { rssBytes: null; reason: string };

/**
 * Reads another process's resident set size. Node has no portable call for this, so it is read from
 * /proc on Linux (VmRSS); elsewhere the reason says so rather than guessing.
 */
export function readProcessRss(pid: number, procRoot = '/proc'): RssReading {
  if (os.platform() !== 'linux') return { rssBytes: null, reason: `not readable on ${os.platform()}` };
  let status: string;
  try {
    status = fs.readFileSync(`${procRoot}/${pid}/status`, 'utf8');
  } catch {
    return { rssBytes: null, reason: `process ${pid} not found` };
  }
  const kb = rssKbFromProcStatus(status);
  return kb === null ? { rssBytes: null, reason: `no VmRSS for process ${pid}` } : { rssBytes: kb * 1024 };
}

/** VmRSS in kB from the text of /proc/<pid>/status, or null. */
export function rssKbFromProcStatus(status: string): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match?.[1] ? Number(match[1]) : null;
}

/** The value of an unlabelled sample in Prometheus text format (e.g. `process_resident_memory_bytes`), or null. */
export function prometheusValue(text: string, metric: string): number | null {
  const escaped = metric.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^${escaped}(?:\\{\\})?\\s+(\\S+)`, 'm').exec(text);
  const value = match?.[1] ? Number(match[1]) : NaN;
  return Number.isFinite(value) ? value : null;
}

/** Splits a Temporal worker identity (`<pid>@<host>`, the SDK's default) into its parts. */
export function parseWorkerIdentity(identity: string): { pid: number; host: string } | null {
  const match = /^(\d+)@(.+)$/.exec(identity);
  return match?.[1] && match[2] ? { pid: Number(match[1]), host: match[2] } : null;
}
