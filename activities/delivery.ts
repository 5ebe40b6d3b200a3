import type { ExportProgress } from '../core/job';
import { ensureCheckpointTopic, lastCommittedCheckpoint } from '../core/kafka/checkpoint-log';
import type { CompressionName } from '../core/kafka/codecs';
import { messagesOf } from '../core/kafka/encoded-messages';
import { TransactionalProducer } from '../core/kafka/transactional-producer';
import type { KafkaConfig } from '../core/scheduling';
import type { ActivityDeps } from './deps';
import type { ExportSend } from './export-rows';

/** How long a transaction of an exactly-once export gathers sends before it commits. */
const TRANSACTION_MS = 1_000;

/**
 * How an export's sends reach Kafka and when its progress is durable: the difference between
 * at-least-once and exactly-once, behind one loop (export-to-kafka.ts).
 */
export interface Delivery {
  /** Where this attempt resumes: the Temporal checkpoint, or the committed one in Kafka. */
  resumeFrom(heartbeat: ExportProgress | undefined): Promise<ExportProgress | undefined>;
  /** Sends one batch; resolves when the broker has it. */
  send(send: ExportSend): Promise<unknown>;
  /** After a send: true when `progress` (which includes it) is now durable and may be checkpointed. */
  acknowledged(progress: ExportProgress): Promise<boolean>;
  /** Makes the final progress durable. */
  finish(progress: ExportProgress): Promise<void>;
  /** Releases what the delivery holds; aborts what it has not committed. */
  close(): Promise<void>;
}

interface DeliveryContext {
  deps: ActivityDeps;
  config: KafkaConfig;
  compression: CompressionName;
  scheduling: string;
  /** The run's workflow id: the same for every attempt of the run, on any worker. */
  runId: string;
}

export function deliveryOf(c: DeliveryContext): Delivery {
  return c.config.delivery === 'exactly_once' ? new ExactlyOnce(c) : new AtLeastOnce(c);
}

/** Each acknowledged send is durable; a retry resumes from the Temporal checkpoint and may repeat the sends after it. */
class AtLeastOnce implements Delivery {
  constructor(private readonly c: DeliveryContext) {}

  async resumeFrom(heartbeat: ExportProgress | undefined) {
    return heartbeat;
  }

  send(send: ExportSend) {
    const { config, compression, scheduling } = this.c;
    return this.c.deps.producer.send(config.topic, messagesOf(send.encoded, config.headers), {
      acks: config.acks,
      compression,
      scheduling,
    });
  }

  async acknowledged() {
    return true;
  }

  async finish() {}

  async close() {}
}

/**
 * Sends in transactions of about a second each, every one ending with the run's checkpoint written to
 * the checkpoint topic in the same transaction: rows and checkpoint are committed together or not at
 * all. The transactional id is the run's, so a new attempt (on any worker) fences the one before it:
 * the broker aborts its open transaction and refuses its further writes. The new attempt then reads
 * the last committed checkpoint and resumes after its key.
 */
class ExactlyOnce implements Delivery {
  private readonly producer: TransactionalProducer;
  private readonly checkpointTopic: string;
  private openedAt: number | null = null;

  constructor(private readonly c: DeliveryContext) {
    this.checkpointTopic = c.deps.config.kafka.checkpoint_topic;
    this.producer = new TransactionalProducer(c.deps.kafka, `${c.deps.config.kafka.client_id}-${c.runId}`, {
      timeoutMs: c.deps.config.kafka.send_timeout_ms,
    });
  }

  async resumeFrom(): Promise<ExportProgress | undefined> {
    await ensureCheckpointTopic(this.c.deps.kafka, this.checkpointTopic);
    // Fence first: once this attempt holds the transactional id, no older attempt can commit anything.
    await this.begin();
    const committed = (await lastCommittedCheckpoint(
      this.c.deps.kafka,
      this.checkpointTopic,
      this.c.runId,
    )) as ExportProgress | null;
    return committed ?? undefined;
  }

  async send(send: ExportSend) {
    if (this.openedAt === null) await this.begin();
    const { config, compression } = this.c;
    return this.producer.send(config.topic, messagesOf(send.encoded, config.headers), { compression });
  }

  async acknowledged(progress: ExportProgress) {
    if (this.openedAt === null || Date.now() - this.openedAt < TRANSACTION_MS) return false;
    await this.commit(progress);
    return true;
  }

  async finish(progress: ExportProgress) {
    await this.commit({ ...progress, done: true });
  }

  async close() {
    if (this.openedAt !== null) await this.producer.abort().catch(() => undefined);
    await this.producer.close();
  }

  private async begin() {
    await this.producer.begin();
    this.openedAt = Date.now();
  }

  private async commit(progress: ExportProgress) {
    if (this.openedAt === null) await this.begin();
    await this.producer.send(this.checkpointTopic, [{ key: this.c.runId, value: JSON.stringify(progress) }]);
    await this.producer.commit();
    this.openedAt = null;
  }
}
