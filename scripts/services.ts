/**
 * `npm run services -- up|down|status [service...]`: installs, starts, stops and checks the real
 * services PSTT runs against (PostgreSQL, Kafka, Temporal), each on loopback.
 */
import { parseArgs } from 'node:util';
import { logsDir } from '../core/paths';
import { down, selectServices, statusOf, up } from '../devstack/stack';
import { runCli } from '../cli/run-cli';

const USAGE = 'usage: npm run services -- up|down|status [--kafka-brokers 1|3] [postgres|kafka|temporal ...]';

async function run(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { 'kafka-brokers': { type: 'string' } },
    allowPositionals: true,
  });
  // The setting's one home is PSTT_KAFKA_BROKERS (devstack/kafka-broker.ts); the flag only sets it.
  if (values['kafka-brokers'] !== undefined) process.env.PSTT_KAFKA_BROKERS = values['kafka-brokers'];
  const [command, ...names] = positionals;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const services = selectServices(names);
  switch (command) {
    case 'up':
      await up(services, say);
      say(`all services ready; logs in ${logsDir()}`);
      return 0;
    case 'down':
      await down(services, say);
      return 0;
    case 'status': {
      let allRunning = true;
      for (const service of services) {
        const status = await statusOf(service);
        allRunning &&= status !== 'stopped';
        say(`${service.name.padEnd(9)} ${status}`);
      }
      return allRunning ? 0 : 3;
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

runCli(run);
