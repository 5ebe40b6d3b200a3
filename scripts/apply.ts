/** `npm run apply [-- file]`: makes Temporal Schedules match temporal.yaml, printing created / updated / unchanged. */
import { loadConfig } from '../core/config';
import { applySchedulings } from '../core/temporal/schedules';
import { connectTemporalClient } from '../core/temporal/client';

async function run(): Promise<void> {
  const config = loadConfig(process.argv[2]);
  const client = await connectTemporalClient(config.temporal);
  try {
    for (const o of await applySchedulings(client, config)) {
      process.stdout.write(`${o.action.padEnd(9)} ${o.name} (schedule ${o.scheduleId})\n`);
    }
  } finally {
    await client.connection.close();
  }
}

run().catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
