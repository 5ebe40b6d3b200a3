import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { parseConfig } from '../../core/config';
import { RESTART_POLICY } from '../../core/restart-policy';
import { PROJECT_ROOT } from '../../core/paths';
import { ensureDeployTools, type DeployTools } from '../../devstack/deploy-tools';
import { dashboardQueries, PROMETHEUS_FILE } from '../support/dashboard';

const run = promisify(execFile);
const DOCKER = path.join(PROJECT_ROOT, 'docker');
const SYSTEMD = path.join(PROJECT_ROOT, 'deploy', 'systemd');
/** The variables compose.yaml requires (`${VAR:?}`): any value parses. */
const COMPOSE_ENV = {
  TEMPORAL_DB_PASSWORD: 'x',
  PSTT_TOKEN_ADMIN: 'x',
  PSTT_TOKEN_PROMETHEUS: 'x',
  GRAFANA_ADMIN_PASSWORD: 'x',
};
/** The worker's longest stop: shutdownForceTime (40 s, worker/create-worker.ts) + closing its clients (10 s, worker/main.ts). */
const WORKER_STOP_MS = 50_000;
/** How long tools/manage_service.ps1 waits for PSTT_Service to stop. */
const MANAGE_SERVICE_WAIT_MS = 120_000;

function onPathSync(command: string): string | undefined {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .map((dir) => path.join(dir, command))
    .find((file) => fs.existsSync(file));
}

/** systemd's duration syntax as the units use it: `90`, `90s`, `1min 30s`. */
function systemdMs(value: string): number {
  const units: Record<string, number> = { '': 1000, s: 1000, sec: 1000, min: 60_000, m: 60_000 };
  return [...value.matchAll(/(\d+)\s*([a-z]*)/g)].reduce((sum, [, n, unit]) => sum + Number(n) * units[unit!]!, 0);
}

function unitSettings(file: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) settings.set(m[1]!, [...(settings.get(m[1]!) ?? []), m[2]!]);
  }
  return settings;
}

/**
 * Issue 13 items 5 and 6, without a Docker engine: the compose file through compose's own parser, the
 * Prometheus config through promtool, the dashboard's queries and the compose config file against the
 * project's own schema, the systemd units through systemd-analyze, the WinSW definition against
 * tools/manage_service.ps1.
 */
describe('docker/ and deploy/ checked with the real tools', () => {
  let tools: DeployTools;

  beforeAll(async () => {
    tools = await ensureDeployTools((line) => process.stdout.write(`  ${line}\n`));
  });

  it('docker-compose config accepts compose.yaml; the API and the worker share one data volume and one config file', async () => {
    const { stdout } = await run(tools.paths['docker-compose'], ['-f', path.join(DOCKER, 'compose.yaml'), 'config'], {
      env: { ...process.env, ...COMPOSE_ENV },
    });
    const resolved = parse(stdout) as {
      services: Record<
        string,
        {
          volumes?: string[];
          ports?: Array<string | { published: number; target: number }>;
          environment?: Record<string, string>;
        }
      >;
    };
    const { api, worker, prometheus, grafana } = resolved.services;
    for (const s of [api!, worker!]) {
      expect(s.volumes).toEqual(
        expect.arrayContaining([
          'pstt-data:/data:rw',
          expect.stringMatching(/\/docker\/pstt\.yaml:\/app\/config\/pstt\.yaml:ro$/),
        ]),
      );
      expect(s.environment).toMatchObject({ PSTT_DATA_DIR: '/data', PSTT_CONFIG: '/app/config/pstt.yaml' });
    }
    expect(worker!.environment).toMatchObject({ WORKER_METRICS_PORT: '9464' });
    expect(prometheus!.ports).toEqual(['127.0.0.1:9090:9090/tcp']);
    expect(grafana!.ports).toEqual(['127.0.0.1:3000:3000/tcp']);
    for (const name of ['temporal', 'temporal-ui'])
      expect([name, resolved.services[name]!.ports]).toEqual([name, undefined]);
  });

  it('docker-compose config refuses to run without the secrets it needs', async () => {
    const env = { ...process.env, ...COMPOSE_ENV, PSTT_TOKEN_PROMETHEUS: '' };
    await expect(
      run(tools.paths['docker-compose'], ['-f', path.join(DOCKER, 'compose.yaml'), 'config'], { env }),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining('set PSTT_TOKEN_PROMETHEUS'),
    });
  });

  it('promtool check config accepts prometheus.yml (with the token file the container writes beside it)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-promtool-'));
    try {
      fs.copyFileSync(PROMETHEUS_FILE, path.join(dir, 'prometheus.yml'));
      fs.writeFileSync(path.join(dir, 'pstt-read-token'), 'x', { mode: 0o600 });
      const { stdout } = await run(tools.paths.promtool, ['check', 'config', path.join(dir, 'prometheus.yml')]);
      expect(stdout).toContain('SUCCESS');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const config = parse(fs.readFileSync(PROMETHEUS_FILE, 'utf8')) as {
      scrape_configs: Array<Record<string, unknown>>;
    };
    // The runbook's scrape, with a read token.
    expect(config.scrape_configs[0]).toMatchObject({
      job_name: 'pstt-tool-kafka',
      metrics_path: '/api/kafka/metrics/prometheus',
      scrape_interval: '60s',
      authorization: { type: 'Bearer', credentials_file: 'pstt-read-token' },
    });
  });

  it('the compose stack config file passes the schema, with an admin and a read (Prometheus) token', () => {
    const file = path.join(DOCKER, 'pstt.yaml');
    const config = parseConfig(parse(fs.readFileSync(file, 'utf8')), DOCKER, {});
    expect(config.api.tokens).toEqual([
      { name: 'admin', role: 'admin', token_env: 'PSTT_TOKEN_ADMIN' },
      { name: 'prometheus', role: 'read', token_env: 'PSTT_TOKEN_PROMETHEUS' },
    ]);
  });

  it("the dashboard has the runbook's panels and success rate, failed runs and worker memory, all on the provisioned datasource", () => {
    const queries = dashboardQueries();
    const byPanel = Object.fromEntries(queries.map((q) => [q.panel, q.expr]));
    expect(byPanel).toMatchObject({
      'Messages Sent (24h)': 'sum(kafka_messages_sent_total)',
      'Latency p99': 'kafka_latency_p99_milliseconds',
      'Success rate': expect.stringContaining('kafka_messages_failed_total'),
      'Failed runs (24h)': expect.stringContaining('pstt_export_runs{status=~"error|timeout"}'),
      'Worker memory': 'process_resident_memory_bytes{job="pstt-worker"}',
    });
    const datasource = parse(
      fs.readFileSync(path.join(DOCKER, 'grafana', 'provisioning', 'datasources', 'prometheus.yaml'), 'utf8'),
    ) as {
      datasources: Array<{ uid: string; url: string }>;
    };
    expect(datasource.datasources).toEqual([
      expect.objectContaining({ uid: 'pstt-prometheus', url: 'http://prometheus:9090' }),
    ]);
    expect(new Set(queries.map((q) => q.datasourceUid))).toEqual(new Set(['pstt-prometheus']));
  });

  const systemdAnalyze = onPathSync('systemd-analyze');
  if (!systemdAnalyze) {
    process.stdout.write(
      '  systemd units: systemd-analyze is not on this machine (Debian package systemd), verify skipped\n',
    );
  }
  (systemdAnalyze ? it : it.skip)('systemd-analyze verify accepts both units without a warning', async () => {
    const units = ['pstt-worker.service', 'pstt-api.service'].map((u) => path.join(SYSTEMD, u));
    const { stdout, stderr } = await run(systemdAnalyze!, ['verify', ...units]);
    // verify exits 0 on an unknown key or a bad value, which it only prints.
    expect(`${stdout}${stderr}`).toBe('');
  });

  it("the units restart on failure with RESTART_POLICY's first wait, the worker's waits past its shutdown before SIGKILL", () => {
    for (const unit of ['pstt-worker.service', 'pstt-api.service']) {
      const s = unitSettings(path.join(SYSTEMD, unit));
      expect([unit, s.get('Restart'), s.get('KillSignal'), s.get('KillMode'), s.get('EnvironmentFile')]).toEqual([
        unit,
        ['on-failure'],
        ['SIGTERM'],
        ['control-group'],
        ['/etc/pstt/pstt.env'],
      ]);
    }
    const worker = unitSettings(path.join(SYSTEMD, 'pstt-worker.service'));
    expect(systemdMs(worker.get('RestartSec')![0]!)).toBe(RESTART_POLICY.initialDelayMs);
    expect(worker.get('StartLimitIntervalSec')).toEqual(['0']);
    expect(systemdMs(worker.get('TimeoutStopSec')![0]!)).toBeGreaterThan(WORKER_STOP_MS);
    expect(worker.get('ExecStart')).toEqual(['/usr/bin/npm run --silent worker']);
  });

  it('the WinSW definition is the PSTT_Service manage_service.ps1 drives, stopping before its 2-minute wait', async () => {
    const script = fs.readFileSync(path.join(PROJECT_ROOT, 'tools', 'manage_service.ps1'), 'utf8');
    const serviceName = /\[string\]\$ServiceName = '([^']+)'/.exec(script)?.[1];
    const waitMinutes = Number(/WaitForStatus\('Stopped', \[TimeSpan\]::FromMinutes\((\d+)\)\)/.exec(script)?.[1]);
    expect(waitMinutes * 60_000).toBe(MANAGE_SERVICE_WAIT_MS);
    // A real XML parser (Python's, on every machine the tests run on): the file must be well-formed.
    const { stdout } = await run('python3', [
      '-c',
      'import json,sys,xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot(); ' +
        'print(json.dumps({c.tag: (c.text or "").strip() for c in r} | {"onfailure": [c.attrib for c in r.findall("onfailure")]}))',
      path.join(PROJECT_ROOT, 'deploy', 'windows', 'PSTT_Service.xml'),
    ]);
    const winsw = JSON.parse(stdout) as Record<string, string> & {
      onfailure: Array<{ action: string; delay: string }>;
    };
    expect(winsw.id).toBe(serviceName);
    expect(winsw.arguments).toMatch(/npm-cli\.js" start$/);
    const stopMs = Number(/^(\d+) sec$/.exec(winsw.stoptimeout ?? '')?.[1]) * 1000;
    expect(stopMs).toBeGreaterThan(WORKER_STOP_MS);
    expect(stopMs).toBeLessThan(MANAGE_SERVICE_WAIT_MS);
    // npm start's supervisor's backoff: 1, 2, 4... up to 30 s, WinSW repeating the last.
    const delays: string[] = [];
    for (
      let ms = RESTART_POLICY.initialDelayMs;
      ;
      ms = Math.min(ms * RESTART_POLICY.factor, RESTART_POLICY.maxDelayMs)
    ) {
      delays.push(`${ms / 1000} sec`);
      if (ms === RESTART_POLICY.maxDelayMs) break;
    }
    expect(winsw.onfailure).toEqual(delays.map((delay) => ({ action: 'restart', delay })));
    expect(winsw.resetfailure).toBe(`${RESTART_POLICY.resetAfterMs / 60_000} min`);
  });
});
