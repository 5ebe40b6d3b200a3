/**
 * `pstt check`: the runbook's daily health check (procedure 4, tools/health_check.ps1). Prints the
 * ✅ / ⚠️ / ❌ lines (or JSON), appends them to logs/health_check_YYYYMMDD.log, e-mails them when
 * something is wrong and `--email` is given. Exit code: 0 ok, 1 warning, 2 critical; 3 when the
 * check could not run (bad flag or configuration).
 */
import { loadRuntimeConfig, type SmtpConfig } from '../core/config';
import { InvalidOptionError } from '../core/errors';
import { Mailer } from '../core/mail/mailer';
import { resolveApiToken } from './ops/api-token';
import { evaluateHealth, formatHealthReport } from './ops/health-check';
import { appendHealthLog } from './ops/health-log';
import { healthReportMail } from './ops/health-mail';
import { gatherHealth } from './ops/health-probes';
import { dataDir, logsDir } from '../core/paths';
import { parseOptions, parseUrlOption } from './cli-options';

export const CHECK_USAGE = 'pstt check [config-file] [--api-url URL] [--token TOKEN] [--json] [--email]';

/** Where a local operator reaches the API: a wildcard listen address is reached on loopback. */
function defaultApiUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

function smtpForEmail(smtp: SmtpConfig | null): SmtpConfig {
  if (!smtp)
    throw new InvalidOptionError(
      '--email',
      'SMTP_HOST, SMTP_FROM and SMTP_TO set in the environment',
      'SMTP_HOST unset',
    );
  if (smtp.to.length === 0)
    throw new InvalidOptionError(
      '--email',
      'SMTP_TO (comma-separated recipients) set in the environment',
      'SMTP_TO unset',
    );
  return smtp;
}

export async function check(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(
    args,
    {
      'api-url': { type: 'string' },
      token: { type: 'string' },
      json: { type: 'boolean', default: false },
      email: { type: 'boolean', default: false },
    },
    CHECK_USAGE,
  );
  // Everything that can be wrong with the invocation fails here, before any probe.
  const runtime = loadRuntimeConfig(positionals[0]);
  const { app: config, health: thresholds } = runtime;
  const apiUrl = parseUrlOption('--api-url', values['api-url'] ?? defaultApiUrl(config.api.host, config.api.port));
  const smtp = values.email ? smtpForEmail(runtime.smtp) : null;
  const token = resolveApiToken({ flag: values.token, dataDir: dataDir() });
  if (!token) {
    process.stderr.write(
      'note: no API token (--token, PSTT_API_TOKEN or data/api-admin-token): metrics and history cannot be read\n',
    );
  }

  const report = evaluateHealth(
    await gatherHealth({
      config,
      metricsPassword: runtime.secrets.metricsPassword,
      apiUrl,
      token: token?.token,
      dataDir: dataDir(),
    }),
    thresholds,
  );
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatHealthReport(report));

  const extra: string[] = [];
  if (smtp && report.status !== 'ok') {
    const mailer = new Mailer(smtp);
    try {
      await mailer.send(healthReportMail(report));
      extra.push(`📧 Report inviato a ${smtp.to.join(', ')}`);
    } catch (err) {
      extra.push(`❌ E-mail non inviata: ${(err as Error).message}`);
    } finally {
      mailer.close();
    }
  }
  for (const line of extra) process.stderr.write(`${line}\n`);
  try {
    appendHealthLog(logsDir(), report, extra);
  } catch (err) {
    // The check's verdict stands even when its log cannot be written.
    process.stderr.write(`warning: health check log not written: ${(err as Error).message}\n`);
  }
  return report.exit_code;
}
