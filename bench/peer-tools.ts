import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { logsDir } from '../core/paths';
import { kafkaLibsDir, kafkaVersion } from '../devstack/kafka-broker';
import { onPath, runLogged } from '../devstack/process';

/** Debian packages the peer cases run (kcat, sqlite3, psql), installed with apt-get when missing (root only). */
export async function ensureDebianTools(tools: Record<string, string>): Promise<void> {
  const missing: string[] = [];
  for (const [command, pkg] of Object.entries(tools)) if (!(await onPath(command))) missing.push(pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !(await onPath('apt-get'))) {
    throw new Error(`missing ${missing.join(', ')}: apt-get install ${missing.join(' ')}`);
  }
  const log = path.join(logsDir(), 'bench-peers-install.log');
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  const fix = `apt-get install ${missing.join(' ')}`;
  await runLogged('bench', 'apt-get', ['update'], log, 'check that the Debian mirror is reachable', {
    timeoutMs: 10 * 60_000,
    env,
  });
  await runLogged('bench', 'apt-get', ['install', '-y', '--no-install-recommends', ...missing], log, fix, {
    timeoutMs: 15 * 60_000,
    env,
  });
}

/** Runs a shell command; rejects with its stderr tail when it exits non-zero. */
export function shell(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4_000)));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`exit ${String(code)}: ${err.trim().slice(-1000)}`)),
    );
  });
}

export const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Kafka's ProducerPerformance from the broker's own jars. */
export function producerPerformanceCommand(
  bootstrap: string,
  topic: string,
  rows: number,
  payloadFile: string,
): string {
  const libs = kafkaLibsDir();
  if (!fs.existsSync(path.join(libs, `kafka-tools-${kafkaVersion()}.jar`))) {
    throw new Error(
      `no kafka-tools jar in ${libs}: run npm run services once, or set PSTT_TOOLS_DIR to the tools folder of the checkout that did`,
    );
  }
  const cp = `${libs}${path.sep}*`;
  return (
    `java -cp ${q(cp)} org.apache.kafka.tools.ProducerPerformance --topic ${q(topic)} --num-records ${rows} ` +
    `--throughput -1 --payload-file ${q(payloadFile)} --producer-props bootstrap.servers=${bootstrap} acks=all`
  );
}

/** Seconds from ProducerPerformance's summary line: "N records sent, X records/sec (...)". */
export function producerPerformanceSeconds(output: string, rows: number): number {
  const m = /(\d+) records sent, ([\d.]+) records\/sec[^\n]*$/.exec(output.trim());
  if (!m) throw new Error(`no summary line in ProducerPerformance's output: ${output.trim().slice(-300)}`);
  if (Number(m[1]) !== rows) throw new Error(`ProducerPerformance sent ${m[1]} records, expected ${rows}`);
  return rows / Number(m[2]);
}
