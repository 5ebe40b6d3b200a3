import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidOptionError } from '../../core/errors';
import { drainNote, isDrainNote } from '../../cli/ops/drain';
import { resolveApiToken } from '../../cli/ops/api-token';
import { healthLogFile } from '../../cli/ops/health-log';
import { parseWorkerIdentity, prometheusValue, rssKbFromProcStatus } from '../../cli/ops/process-memory';
import { parseDurationOption, parseOptions, parseUrlOption } from '../../cli/cli-options';

describe('drain notes', () => {
  it('marks what drain paused, and only that', () => {
    const note = drainNote(new Date('2026-01-20T08:00:00Z'));
    expect(note).toBe('pstt drain 2026-01-20T08:00:00.000Z');
    expect(isDrainNote(note)).toBe(true);
    expect(isDrainNote('disabled from the API')).toBe(false);
    expect(isDrainNote('pstt drainage by ops')).toBe(false);
    expect(isDrainNote(null)).toBe(false);
  });
});

describe('command-line options', () => {
  it.each([
    ['600', 600_000],
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['500ms', 500],
    ['0', 0],
  ])('--timeout %s = %d ms', (value, ms) => {
    expect(parseDurationOption('--timeout', value)).toBe(ms);
  });

  it.each(['ten minutes', '-5m', '10d', '25h', ''])(
    '--timeout %j is refused, naming the flag and the form',
    (value) => {
      expect(() => parseDurationOption('--timeout', value)).toThrow(InvalidOptionError);
      expect(() => parseDurationOption('--timeout', value)).toThrow(
        /^--timeout: expected a duration such as 600 \(seconds\), 90s, 10m or 1h/,
      );
    },
  );

  it('--api-url takes http(s) URLs only', () => {
    expect(parseUrlOption('--api-url', 'http://127.0.0.1:8000/')).toBe('http://127.0.0.1:8000');
    expect(() => parseUrlOption('--api-url', 'localhost:8000')).toThrow(
      /^--api-url: expected an http:\/\/ or https:\/\/ URL/,
    );
    expect(() => parseUrlOption('--api-url', 'not a url')).toThrow(InvalidOptionError);
  });

  it('an unknown flag names itself and the usage', () => {
    expect(() => parseOptions(['--jsn'], { json: { type: 'boolean' } }, 'pstt check [--json]')).toThrow(
      /^--jsn: expected pstt check \[--json\]/,
    );
  });
});

describe('process memory readings', () => {
  it('reads VmRSS from /proc/<pid>/status text', () => {
    expect(rssKbFromProcStatus('Name:\tnode\nVmPeak:\t 900 kB\nVmRSS:\t  123456 kB\n')).toBe(123_456);
    expect(rssKbFromProcStatus('Name:\tkthreadd\n')).toBeNull();
  });

  it('reads an unlabelled Prometheus sample', () => {
    const text =
      '# HELP process_resident_memory_bytes Resident memory size in bytes.\n' +
      '# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 104857600\n' +
      'process_resident_memory_bytes_total 1\n';
    expect(prometheusValue(text, 'process_resident_memory_bytes')).toBe(104_857_600);
    expect(prometheusValue(text, 'kafka_latency_p99_milliseconds')).toBeNull();
  });

  it("splits the Temporal SDK's default worker identity", () => {
    expect(parseWorkerIdentity('4242@pstt-host.example')).toEqual({ pid: 4242, host: 'pstt-host.example' });
    expect(parseWorkerIdentity('my-worker')).toBeNull();
  });
});

describe('API token of the operations commands', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-token-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--token, then PSTT_API_TOKEN, then the generated token file, else none', () => {
    expect(resolveApiToken({ dataDir: dir, env: {} })).toBeNull();
    fs.writeFileSync(path.join(dir, 'api-admin-token'), 'from-file\n', { mode: 0o600 });
    expect(resolveApiToken({ dataDir: dir, env: {} })).toEqual({
      token: 'from-file',
      source: path.join(dir, 'api-admin-token'),
    });
    expect(resolveApiToken({ dataDir: dir, env: { PSTT_API_TOKEN: 'from-env' } })?.token).toBe('from-env');
    expect(resolveApiToken({ dataDir: dir, env: { PSTT_API_TOKEN: 'from-env' }, flag: 'from-flag' })?.token).toBe(
      'from-flag',
    );
  });
});

describe('health check log file', () => {
  it('is named by the local date, as the runbook script names it', () => {
    const at = new Date(2026, 0, 5, 8, 0, 0);
    expect(healthLogFile('/logs', at)).toBe(path.join('/logs', 'health_check_20260105.log'));
  });
});
