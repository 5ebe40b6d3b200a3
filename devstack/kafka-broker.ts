import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { probeCluster } from '../core/kafka/cluster-probe';
import { dataDir, logsDir, PROJECT_ROOT, toolsDir } from '../core/paths';
import { onPath, runLogged, startDetached, stopDetached } from './process';
import { ServiceError } from './service-error';
import type { ManagedService } from './service';

const NAME = 'kafka';
/** The single broker's port, and the first node's in a cluster; each further node takes the next two ports. */
export const BROKER_PORT = 9092;
const POM = path.join(PROJECT_ROOT, 'devstack', 'kafka', 'pom.xml');
/** Nodes of a cluster (`npm run services -- up --kafka-brokers 3`): enough for replication factor 3. */
export const CLUSTER_SIZES = [1, 3] as const;

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

/** One KRaft node (broker and controller in one process) of a cluster of `size` nodes from `basePort`. */
export interface KafkaNode {
  id: number;
  brokerPort: number;
  controllerPort: number;
  /** The name of its pid file, as `runningPid` takes it. */
  processName: string;
  home: string;
  /**
   * A second client listener (`PROXIED`) whose advertised address is another port, where a test puts
   * a TCP proxy it can cut: clients bootstrapped there reach every node through the proxies only.
   */
  proxied?: { listenPort: number; advertisedPort: number };
}

/** Ports of the optional proxied listener, relative to a node's broker port. */
export interface ProxiedListener {
  listenOffset: number;
  advertisedOffset: number;
}

/** The nodes of a cluster: node i (from 1) listens on basePort + 2(i-1), its controller on the port after. */
export function clusterNodes(name: string, size: number, basePort: number, proxied?: ProxiedListener): KafkaNode[] {
  return Array.from({ length: size }, (_, i) => {
    const brokerPort = basePort + 2 * i;
    return {
      id: i + 1,
      brokerPort,
      controllerPort: brokerPort + 1,
      processName: size === 1 ? name : `${name}-${i + 1}`,
      home: size === 1 ? path.join(dataDir(), name) : path.join(dataDir(), name, `node-${i + 1}`),
      ...(proxied
        ? {
            proxied: {
              listenPort: brokerPort + proxied.listenOffset,
              advertisedPort: brokerPort + proxied.advertisedOffset,
            },
          }
        : {}),
    };
  });
}

/** `host:port` of every node's client listener. */
export function bootstrapOf(nodes: readonly KafkaNode[]): string[] {
  return nodes.map((n) => `127.0.0.1:${n.brokerPort}`);
}

function serverProperties(node: KafkaNode, nodes: readonly KafkaNode[], logDirs: string): string {
  const replicas = Math.min(nodes.length, 3);
  const quorum =
    nodes.length === 1
      ? `controller.quorum.bootstrap.servers=127.0.0.1:${node.controllerPort}`
      : `controller.quorum.voters=${nodes.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(',')}`;
  return [
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    quorum,
    `listeners=PLAINTEXT://127.0.0.1:${node.brokerPort},CONTROLLER://127.0.0.1:${node.controllerPort}${
      node.proxied ? `,PROXIED://127.0.0.1:${node.proxied.listenPort}` : ''
    }`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${node.brokerPort}${node.proxied ? `,PROXIED://127.0.0.1:${node.proxied.advertisedPort}` : ''}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT${node.proxied ? ',PROXIED:PLAINTEXT' : ''}`,
    `log.dirs=${logDirs}`,
    'num.partitions=3',
    // One node: internal topics must not wait for replicas that do not exist. Three: what production
    // runs, so acks=all means two copies (min.insync.replicas=2) and one node may fail.
    `default.replication.factor=${replicas}`,
    `min.insync.replicas=${replicas === 1 ? 1 : 2}`,
    `offsets.topic.replication.factor=${replicas}`,
    `transaction.state.log.replication.factor=${replicas}`,
    `transaction.state.log.min.isr=${replicas === 1 ? 1 : 2}`,
    `share.coordinator.state.topic.replication.factor=${replicas}`,
    `share.coordinator.state.topic.min.isr=${replicas === 1 ? 1 : 2}`,
    'group.initial.rebalance.delay.ms=0',
    // Like most production clusters: topics are created on purpose, not by a typo.
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

async function java(): Promise<string> {
  const found = await onPath('java');
  if (!found)
    throw new ServiceError(
      NAME,
      'java not found',
      undefined,
      'install Java 17+ (apt-get install openjdk-17-jre-headless)',
    );
  return found;
}

/** Fetches the broker's jars from Maven Central into the tools folder, once. */
async function installJars(): Promise<void> {
  await java();
  const libs = kafkaLibsDir();
  if (fs.existsSync(path.join(libs, `kafka_2.13-${kafkaVersion()}.jar`))) return;
  const mvn = await onPath('mvn');
  if (!mvn) throw new ServiceError(NAME, 'mvn not found', undefined, 'install Maven (apt-get install maven)');
  const staging = `${libs}.partial`;
  fs.rmSync(staging, { recursive: true, force: true });
  const buildLog = path.join(logsDir(), 'kafka-install.log');
  process.stdout.write(`kafka: fetching broker jars with Maven (first time only; log: ${buildLog})\n`);
  await runLogged(
    NAME,
    mvn,
    ['-B', '-q', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`],
    buildLog,
    'check that Maven Central is reachable',
    { timeoutMs: 15 * 60_000 },
  );
  // Rename into place only when complete, so an interrupted install is never mistaken for a good one.
  fs.rmSync(libs, { recursive: true, force: true });
  fs.renameSync(staging, libs);
}

/** The cluster id every node of one cluster is formatted with, kept beside the nodes so restarts agree. */
function clusterId(nodes: readonly KafkaNode[]): string {
  const file = path.join(path.dirname(nodes[0]!.home), `${nodes[0]!.processName}.cluster-id`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, randomBytes(16).toString('base64url'));
  }
  return fs.readFileSync(file, 'utf8').trim();
}

/** Formats a node's storage when new, then starts it detached; returns its pid. */
export async function startNode(node: KafkaNode, nodes: readonly KafkaNode[], logFile: string): Promise<number> {
  const javaBin = await java();
  const logDirs = path.join(node.home, 'logs');
  const config = path.join(node.home, 'server.properties');
  fs.mkdirSync(logDirs, { recursive: true });
  fs.writeFileSync(config, serverProperties(node, nodes, logDirs));
  const classpath = `${kafkaLibsDir()}${path.sep}*`;
  const log4j = `-Dlog4j2.configurationFile=${path.join(PROJECT_ROOT, 'devstack', 'kafka', 'log4j2.properties')}`;
  if (!fs.existsSync(path.join(logDirs, 'meta.properties'))) {
    // One node bootstraps its own quorum; a cluster's nodes share the static voter list in their config.
    const standalone = nodes.length === 1 ? ['--standalone'] : [];
    await runLogged(
      NAME,
      javaBin,
      [
        log4j,
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId(nodes),
        '-c',
        config,
        ...standalone,
      ],
      logFile,
      `remove ${logDirs} and retry`,
      { timeoutMs: 120_000 },
    );
  }
  return startDetached(
    node.processName,
    javaBin,
    ['-Xms256m', '-Xmx1g', '-XX:+UseG1GC', log4j, '-cp', classpath, 'kafka.Kafka', config],
    logFile,
  );
}

/** True when the node answers and the cluster has a controller (a quorum). */
export async function nodeReady(node: KafkaNode): Promise<boolean> {
  const probe = await probeCluster({
    clientId: 'pstt-devstack',
    bootstrapBrokers: [`127.0.0.1:${node.brokerPort}`],
    connectTimeout: 2_000,
    requestTimeout: 5_000,
    retries: 0,
    retryDelay: 0,
  });
  return probe.brokers > 0 && probe.controllerId !== null;
}

/**
 * Apache Kafka 4.x in KRaft combined mode, run from Maven Central's jars with the machine's Java: one
 * node on 9092/9093 (the default), or `size` nodes on 9092/9093, 9094/9095, 9096/9097 ... One service
 * for the stack either way: its start starts every node (a cluster's quorum needs a majority up before
 * any node is ready), its stop stops them all. `name` and `basePort` give a test a cluster of its own.
 */
export function kafkaBroker(
  size = brokersSetting(),
  name = NAME,
  basePort = BROKER_PORT,
  proxied?: ProxiedListener,
): ManagedService & { nodes: KafkaNode[] } {
  const nodes = clusterNodes(name, size, basePort, proxied);
  const logFile = (node: KafkaNode) => path.join(logsDir(), `${node.processName}.log`);
  const ports = nodes.flatMap((n) => [n.brokerPort, n.controllerPort, ...(n.proxied ? [n.proxied.listenPort] : [])]);
  return {
    name,
    nodes,
    processNames: nodes.map((n) => n.processName),
    ports,
    logFile: logFile(nodes[0]!),
    externalReason: process.env.KAFKA_BOOTSTRAP_SERVERS
      ? `KAFKA_BOOTSTRAP_SERVERS=${process.env.KAFKA_BOOTSTRAP_SERVERS}`
      : undefined,
    startDeadlineMs: 90_000 * size,
    fix: `read the log; free ports ${ports.join('/')} or set KAFKA_BOOTSTRAP_SERVERS to an existing cluster`,
    install: installJars,
    async start() {
      const pids: number[] = [];
      for (const node of nodes) pids.push(await startNode(node, nodes, logFile(node)));
      return pids[0];
    },
    async isReady() {
      for (const node of nodes) if (!(await nodeReady(node))) return false;
      return true;
    },
    // Every size's nodes: `down` stops a cluster started with --kafka-brokers 3 without being told so.
    async stop() {
      let any = false;
      for (const n of CLUSTER_SIZES) {
        for (const node of clusterNodes(name, n, basePort)) any = (await stopDetached(node.processName, 30_000)) || any;
      }
      return any;
    },
  };
}

/** Nodes of the dev stack's Kafka: `PSTT_KAFKA_BROKERS` (1 or 3; `npm run services -- up --kafka-brokers 3` sets it). */
export function brokersSetting(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.PSTT_KAFKA_BROKERS ?? '1';
  const n = Number(text);
  if (!(CLUSTER_SIZES as readonly number[]).includes(n)) {
    throw new Error(`PSTT_KAFKA_BROKERS: expected ${CLUSTER_SIZES.join(' or ')}, got "${text}"`);
  }
  return n;
}
