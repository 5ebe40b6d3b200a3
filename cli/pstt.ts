/**
 * The `pstt` command line.
 *   pstt apply [file] [--prune] [--dry-run]   make Temporal Schedules match temporal.yaml
 *   pstt check [file] [--api-url URL] [--token T] [--json] [--email]   the runbook's daily health check
 *   pstt drain [file] [--timeout 10m]         pause every scheduling, wait for running exports
 *   pstt resume [file]                        unpause what drain paused
 *   pstt preview NAME [file] [--rows N] [--json]   what a scheduling would export, exporting nothing
 */
import { parseArgs } from 'node:util';
import { loadRuntimeConfig } from '../core/config';
import { ConfigError, InvalidOptionError } from '../core/errors';
import { connectTemporalClient } from '../core/temporal/client';
import { ensureRetentionSchedule } from '../core/temporal/retention-schedule';
import { ensureAlertSchedule } from '../core/temporal/alert-schedule';
import { applySchedulings, type ApplyOutcome } from '../core/temporal/schedules';
import { CHECK_USAGE, check } from './pstt-check';
import { DRAIN_USAGE, drainCommand, RESUME_USAGE, resumeCommand } from './pstt-drain';
import { PREVIEW_USAGE, previewCommand } from './pstt-preview';
import { runCli } from './run-cli';

const USAGE = [
  `usage: pstt apply [file] [--prune] [--dry-run]`,
  `       ${CHECK_USAGE}`,
  `       ${DRAIN_USAGE}`,
  `       ${RESUME_USAGE}`,
  `       ${PREVIEW_USAGE}`,
].join('\n');
const say = (line: string) => process.stdout.write(`${line}\n`);

function describe(o: ApplyOutcome, dryRun: boolean): string {
  const verb = dryRun && o.action !== 'unchanged' ? `would be ${o.action}` : o.action;
  const head = `${verb.padEnd(9)} ${o.name} (schedule ${o.scheduleId})`;
  if (o.error) return `failed    ${o.name} (schedule ${o.scheduleId}): ${o.error}`;
  const changes = o.changes.map(
    (c) => `\n            ${c.path}: ${JSON.stringify(c.before)} -> ${JSON.stringify(c.after)}`,
  );
  return head + changes.join('');
}

async function apply(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { prune: { type: 'boolean', default: false }, 'dry-run': { type: 'boolean', default: false } },
  });
  // An invalid file is rejected whole, before any connection: nothing is applied.
  const { app: config, alerts } = loadRuntimeConfig(positionals[0]);
  const client = await connectTemporalClient(config.temporal);
  try {
    const dryRun = values['dry-run'] ?? false;
    const outcomes = await applySchedulings(client, config, { prune: values.prune, dryRun });
    for (const o of outcomes) say(describe(o, dryRun));
    if (!dryRun)
      say(`${(await ensureRetentionSchedule(client, config)).padEnd(9)} metrics retention (daily 02:00 UTC)`);
    if (!dryRun) {
      const outcome = await ensureAlertSchedule(client, config, alerts);
      say(`${outcome.padEnd(9)} alert evaluation (every ${alerts.evaluationInterval})`);
    }
    return outcomes.some((o) => o.error) ? 1 : 0;
  } finally {
    await client.connection.close();
  }
}

const [command, ...rest] = process.argv.slice(2);

async function run(): Promise<number> {
  switch (command) {
    case 'apply':
      return apply(rest);
    case 'check':
      return check(rest);
    case 'drain':
      return drainCommand(rest);
    case 'resume':
      return resumeCommand(rest);
    case 'preview':
      return previewCommand(rest);
    default:
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

/**
 * An invalid configuration or flag exits 2, like a usage error: nothing was attempted. `check` keeps
 * 0/1/2 for its verdict, so a check that could not run exits 3 (the monitoring plugins' UNKNOWN).
 */
function exitCodeOf(err: unknown): number {
  if (command === 'check') return 3;
  return err instanceof ConfigError || err instanceof InvalidOptionError ? 2 : 1;
}

runCli(run, exitCodeOf);
