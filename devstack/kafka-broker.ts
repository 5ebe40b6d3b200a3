import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { probeCluster } from '../core/kafka/cluster-probe';
import { dataDir, logsDir, PROJECT_ROOT, toolsDir } from '../core/paths';
import { onPath, runLogged, startDetached, stopDetached } from './process';
import { ServiceError } from './service-error';
import type { ManagedService } from './service';

const NAME = 'kafka';
const BROKER_PORT = 9092;
const CONTROLLER_PORT = 9093;
const POM = path.join(PROJECT_ROOT, 'devstack', 'kafka', 'pom.xml');

/** The broker version, kept in one place: the pom's `kafka.version` property. */
export function kafkaVersion(): string {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(fs.readFileSync(POM, 'utf8'));
  if (!match?.[1]) throw new Error(`${POM}: no <kafka.version> property`);
  return match[1];
}

/** The broker's jars (Kafka's own tools run from them too). */
export function kafkaLibsDir(): string {
  return path.join(toolsDir(), `kafka-${kafkaVersion()}`, 'libs');
}

function serverProperties(logDirs: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=127.0.0.1:${CONTROLLER_PORT}`,
    `listeners=PLAINTEXT://127.0.0.1:${BROKER_PORT},CONTROLLER://127.0.0.1:${CONTROLLER_PORT}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${BROKER_PORT}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${logDirs}`,
    'num.partitions=3',
    // One node: internal topics must not wait for replicas that do not exist.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // Like most production clusters: topics are created on purpose, not by a typo.
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

/** An Apache Kafka 4.x broker in KRaft combined mode, run from Maven Central's jars with the machine's Java. */
export function kafkaBroker(): ManagedService {
  const logFile = path.join(logsDir(), 'kafka.log');
  const home = path.join(dataDir(), 'kafka');
  const fix = 'read the log; free ports 9092/9093 or set KAFKA_BOOTSTRAP_SERVERS to an existing cluster';
  const java = async () => {
    const found = await onPath('java');
    if (!found) throw new ServiceError(NAME, 'java not found', undefined, 'install Java 17+ (apt-get install openjdk-17-jre-headless)');
    return found;
  };
  return {
    name: NAME,
    ports: [BROKER_PORT, CONTROLLER_PORT],
    logFile,
    externalReason: process.env.KAFKA_BOOTSTRAP_SERVERS ? `KAFKA_BOOTSTRAP_SERVERS=${process.env.KAFKA_BOOTSTRAP_SERVERS}` : undefined,
    startDeadlineMs: 90_000,
    fix,
    async install() {
      await java();
      const libs = kafkaLibsDir();
      if (fs.existsSync(path.join(libs, `kafka_2.13-${kafkaVersion()}.jar`))) return;
      const mvn = await onPath('mvn');
      if (!mvn) throw new ServiceError(NAME, 'mvn not found', undefined, 'install Maven (apt-get install maven)');
      const staging = `${libs}.partial`;
      fs.rmSync(staging, { recursive: true, force: true });
      const buildLog = path.join(logsDir(), 'kafka-install.log');
      process.stdout.write(`kafka: fetching broker jars with Maven (first time only; log: ${buildLog})\n`);
      await runLogged(NAME, mvn, ['-B', '-q', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`],
        buildLog, 'check that Maven Central is reachable', { timeoutMs: 15 * 60_000 });
      // Rename into place only when complete, so an interrupted install is never mistaken for a good one.
      fs.rmSync(libs, { recursive: true, force: true });
      fs.renameSync(staging, libs);
    },
    async start() {
      const javaBin = await java();
      const logDirs = path.join(home, 'logs');
      const config = path.join(home, 'server.properties');
      fs.mkdirSync(logDirs, { recursive: true });
      fs.writeFileSync(config, serverProperties(logDirs));
      const classpath = `${kafkaLibsDir()}${path.sep}*`;
      const log4j = `-Dlog4j2.configurationFile=${path.join(PROJECT_ROOT, 'devstack', 'kafka', 'log4j2.properties')}`;
      if (!fs.existsSync(path.join(logDirs, 'meta.properties'))) {
        const clusterId = randomBytes(16).toString('base64url');
        await runLogged(NAME, javaBin, [log4j, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', config, '--standalone'],
          logFile, `remove ${logDirs} and retry`, { timeoutMs: 120_000 });
      }
      return startDetached(NAME, javaBin, ['-Xms256m', '-Xmx1g', '-XX:+UseG1GC', log4j, '-cp', classpath, 'kafka.Kafka', config], logFile);
    },
    async isReady() {
      const probe = await probeCluster({
        clientId: 'pstt-devstack',
        bootstrapBrokers: [`127.0.0.1:${BROKER_PORT}`],
        connectTimeout: 2_000,
        requestTimeout: 5_000,
        retries: 0,
        retryDelay: 0,
      });
      return probe.brokers > 0 && probe.controllerId !== null;
    },
    stop: () => stopDetached(NAME, 30_000),
  };
}
