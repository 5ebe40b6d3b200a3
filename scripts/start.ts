/**
 * `npm start`: the whole stack on embedded defaults. Starts PostgreSQL, Kafka and Temporal
 * (installing them on first use), creates the runbook's test topic (pstt-test), the checkpoint topic,
 * the demo data and topic, applies temporal.yaml to Temporal Schedules, builds dist/ when it is missing
 * or stale (scripts/build.ts), starts the compiled worker and the
 * API (restarting either when it exits, with the backoff of RESTART_POLICY), runs the demo export
 * once and shows its result. Ctrl-C stops the worker and the API; `npm run services -- down` stops
 * the services.
 */
import path from 'node:path';
import { loadRuntimeConfig, type AppConfig } from '../core/config';
import { createKafka, type KafkaClient } from '../core/kafka/client';
import { ensureStackTopics } from '../core/kafka/stack-topics';
import { countMessages, ensureTopic } from '../core/kafka/topics';
import { dataDir, logsDir, PROJECT_ROOT } from '../core/paths';
import { Supervisor } from '../devstack/supervisor';
import { ensureGeneratedAdminToken, generatedTokenNotice } from '../api/auth';
import { scheduleIdOf } from '../core/temporal/naming';
import { connectTemporalClient } from '../core/temporal/client';
import { RunAlreadyGoingError, runOf, runScheduleNow } from '../core/temporal/run-now';
import { runLinkOf } from '../core/temporal/run-link';
import { ensureRetentionSchedule } from '../core/temporal/retention-schedule';
import { ensureAlertSchedule } from '../core/temporal/alert-schedule';
import { applySchedulings } from '../core/temporal/schedules';
import { SqliteSource } from '../core/sources/sqlite-source';
import { ensureDemoDatabase } from '../devstack/demo-data';
import { workerEnv, workerNodeOptions } from '../worker/node-options';
import { ensureBuilt } from './build';
import { allServices, up } from '../devstack/stack';

const say = (line: string) => process.stdout.write(`${line}\n`);
const DEMO_SOURCE = 'demo';

let stopping = false;
let supervisor: Supervisor | null = null;

async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  say('stopping worker and API (services keep running: npm run services -- down)');
  await supervisor?.stop();
  process.exit();
}

/** Demo data: the demo SQLite table and the topics of the schedulings that read it. */
async function prepareDemo(config: AppConfig, kafka: KafkaClient): Promise<void> {
  const source = config.sources[DEMO_SOURCE];
  if (!source?.url.startsWith('sqlite:')) return;
  const file = new SqliteSource(source.url, config.baseDir).file;
  if (ensureDemoDatabase(file)) say(`demo: created ${path.relative(PROJECT_ROOT, file)} with 10000 orders`);
  for (const s of config.schedulings) {
    if (s.source === DEMO_SOURCE && s.kafka_config && (await ensureTopic(kafka, s.kafka_config.topic))) {
      say(`demo: created topic ${s.kafka_config.topic}`);
    }
  }
}

async function runDemoOnce(config: AppConfig, kafka: KafkaClient): Promise<void> {
  const demo = config.schedulings.find((s) => s.source === DEMO_SOURCE && s.export_format === 'kafka' && s.enabled);
  if (!demo?.kafka_config) return;
  const client = await connectTemporalClient(config.temporal);
  try {
    // A scheduled run may be waiting for a worker already (the stack was down): show that one.
    const workflowId = await runScheduleNow(client, scheduleIdOf(demo.name)).then(runOf, (err: unknown) => {
      if (err instanceof RunAlreadyGoingError) return err.workflowId;
      throw err;
    });
    const link = runLinkOf(config.temporal, workflowId);
    say(`demo: run now of "${demo.name}" started: ${link}`);
    const result = (await client.workflow.getHandle(workflowId).result()) as {
      rows: number;
      messages: number;
      durationMs: number;
    };
    const inTopic = await countMessages(kafka, demo.kafka_config.topic);
    say(
      `demo: ${result.rows} rows -> ${result.messages} messages in ${result.durationMs} ms; ` +
        `topic ${demo.kafka_config.topic} now holds ${inTopic} messages`,
    );
  } finally {
    await client.connection.close();
  }
}

async function run(): Promise<void> {
  // Validated before anything starts: the file, the variables, and the Kafka password this script uses.
  const { app: config, alerts, secrets } = loadRuntimeConfig(undefined, process.env, { secrets: ['kafka'] });
  const kafka = createKafka(config.kafka, config.baseDir, secrets.kafkaSaslPassword);
  await up(allServices(), say);
  for (const topic of await ensureStackTopics(kafka, {
    checkpoint: config.kafka.checkpoint_topic,
  })) {
    say(`kafka: created topic ${topic}`);
  }
  await prepareDemo(config, kafka);
  const client = await connectTemporalClient(config.temporal);
  try {
    for (const o of await applySchedulings(client, config)) {
      say(`schedule ${o.scheduleId}: ${o.error ? `failed: ${o.error}` : o.action}`);
    }
    say(`metrics retention schedule: ${await ensureRetentionSchedule(client, config)}`);
    say(`alert evaluation schedule: ${await ensureAlertSchedule(client, config, alerts)}`);
  } finally {
    await client.connection.close();
  }
  if (config.api.tokens.length === 0) {
    // Announced here, once, rather than by the API process, whose output goes to its log file; the
    // token itself stays in its file.
    const generated = ensureGeneratedAdminToken(dataDir());
    if (generated.created) say(generatedTokenNotice(generated.file));
  }
  // The worker and the API run compiled (dist/); `npm start` has built it already, `tsx scripts/start.ts` may not have.
  await ensureBuilt(say);
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
  // A worker or API that exits is restarted with backoff (RESTART_POLICY); the rest keeps running.
  supervisor = new Supervisor(say, logsDir());
  supervisor.start({ name: 'worker', entry: 'worker/main', nodeOptions: workerNodeOptions(), env: workerEnv() });
  supervisor.start({ name: 'api', entry: 'api/main' });
  const pages = `http://${config.api.host}:${config.api.port}`;
  say(`dashboard: ${pages}/   scheduler: ${pages}/scheduler   Temporal Web UI: ${config.temporal.web_ui}`);
  await runDemoOnce(config, kafka);
  say('PSTT is running; Ctrl-C stops the worker and the API.');
}

run().catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
  void shutdown();
});
