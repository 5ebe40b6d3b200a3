import fs from 'node:fs';
import { loadConfig } from '../core/config';
import { checkedSchedulingSchema } from '../core/scheduling';
import { runDirectExport } from './direct-export';

/**
 * The direct case's process, compiled into dist/ like the worker (direct-build.ts), so that
 * through-worker ÷ direct compares the same JavaScript: `node dist/bench/direct-child.js <config file>
 * <scheduling JSON file> <result file>`. Writes a `DirectOutcome` as JSON into the result file.
 */

export interface DirectOutcome {
  rows: number;
  bytes: number;
  heartbeats: number;
  /** Wall seconds of the export, the deps' set-up included (as the worker case times its workflow). */
  seconds: number;
  /** CPU seconds of this process (every thread) over the same span. */
  cpuSeconds: number;
}

async function main(): Promise<void> {
  const [configFile, schedulingFile, resultFile] = process.argv.slice(2);
  if (!configFile || !schedulingFile || !resultFile)
    throw new Error('usage: direct-child <config> <scheduling> <result>');
  const config = loadConfig(configFile);
  const scheduling = checkedSchedulingSchema.parse(JSON.parse(fs.readFileSync(schedulingFile, 'utf8')));
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const { result, heartbeats } = await runDirectExport(config, scheduling);
  const cpu = process.cpuUsage(cpuBefore);
  const outcome: DirectOutcome = {
    rows: result.rows,
    bytes: result.bytes,
    heartbeats,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
  fs.writeFileSync(resultFile, JSON.stringify(outcome));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
