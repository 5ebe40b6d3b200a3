/**
 * The `pstt` command line.
 *   pstt apply [file] [--prune] [--dry-run]   make Temporal Schedules match temporal.yaml
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config';
import { ConfigError } from '../core/errors';
import { connectTemporalClient } from '../core/temporal/client';
import { ensureRetentionSchedule } from '../core/temporal/retention-schedule';
import { applySchedulings, type ApplyOutcome } from '../core/temporal/schedules';
import { runCli } from './run-cli';

const USAGE = `usage: pstt apply [file] [--prune] [--dry-run]`;
const say = (line: string) => process.stdout.write(`${line}\n`);

function describe(o: ApplyOutcome, dryRun: boolean): string {
  const verb = dryRun && o.action !== 'unchanged' ? `would be ${o.action}` : o.action;
  const head = `${verb.padEnd(9)} ${o.name} (schedule ${o.scheduleId})`;
  if (o.error) return `failed    ${o.name} (schedule ${o.scheduleId}): ${o.error}`;
  const changes = o.changes.map((c) => `\n            ${c.path}: ${JSON.stringify(c.before)} -> ${JSON.stringify(c.after)}`);
  return head + changes.join('');
}

async function apply(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { prune: { type: 'boolean', default: false }, 'dry-run': { type: 'boolean', default: false } },
  });
  // An invalid file is rejected whole, before any connection: nothing is applied.
  const config = loadConfig(positionals[0]);
  const client = await connectTemporalClient(config.temporal);
  try {
    const dryRun = values['dry-run'] ?? false;
    const outcomes = await applySchedulings(client, config, { prune: values.prune, dryRun });
    for (const o of outcomes) say(describe(o, dryRun));
    if (!dryRun) say(`${(await ensureRetentionSchedule(client, config)).padEnd(9)} metrics retention (daily 02:00 UTC)`);
    return outcomes.some((o) => o.error) ? 1 : 0;
  } finally {
    await client.connection.close();
  }
}

async function run(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'apply':
      return apply(rest);
    default:
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

// An invalid configuration exits 2, like a usage error: nothing was attempted.
runCli(run, (err) => (err instanceof ConfigError ? 2 : 1));
