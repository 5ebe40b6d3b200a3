import { Producer } from '@platformatic/kafka';
import { withDeadline } from '../deadline';
import { KafkaSendError, KafkaSendTimeoutError, ProducerFencedError } from '../errors';
import { baseOptionsOf, forceClose, type KafkaClient } from './client';
import { compressionOf, type CompressionName } from './codecs';
import { describeKafkaError, protocolErrorIds } from './kafka-errors';
import type { KafkaMessage, SendAck } from './message';
import { JavaCompatiblePartitioning } from './partitioner';
import { bufferSerializers, type ClientProducer } from './serializers';

/** The client's transaction object (not exported by name). */
type Transaction = Awaited<ReturnType<ClientProducer['beginTransaction']>>;

export interface TransactionalProducerOptions {
  /** Deadline of one send, begin, commit or abort. @default 60000 */
  timeoutMs?: number;
  /**
   * How long the broker lets a transaction stay open before aborting it (the producer's
   * `transaction.timeout.ms`, at most the broker's `transaction.max.timeout.ms`). @default 60000
   */
  transactionTimeoutMs?: number;
}

/** Broker answers meaning a newer producer with our transactional.id has taken over. */
const FENCED = ['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH'] as const;

/**
 * A transactional producer for exactly-once delivery (not yet used by the exports). The caller gives the
 * `transactional.id`: derived from what must not run twice (a scheduling), it stays the same across
 * attempts and workers, so that starting a new producer with it fences the old one: the broker aborts
 * the old one's open transaction and refuses its further writes and commits (ProducerFencedError).
 *
 * One transaction at a time: begin(), any number of send() (one at a time, like the idempotent
 * producer), then commit() or abort(). Consumers reading with `isolation.level=read_committed` see a
 * transaction's messages only once it is committed, and never an aborted one's.
 */
export class TransactionalProducer {
  private producer: ClientProducer | null = null;
  private transaction: Transaction | null = null;
  private readonly partitioning = new JavaCompatiblePartitioning();
  private readonly timeoutMs: number;
  private readonly transactionTimeoutMs: number;

  constructor(
    private readonly kafka: KafkaClient,
    readonly transactionalId: string,
    options: TransactionalProducerOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.transactionTimeoutMs = options.transactionTimeoutMs ?? 60_000;
  }

  /** Starts a transaction. The first one registers this producer with the broker, fencing any older one. */
  async begin(): Promise<void> {
    if (this.transaction)
      throw new Error(`transactional producer "${this.transactionalId}": a transaction is already open`);
    this.producer ??= new Producer({
      ...baseOptionsOf(this.kafka),
      idempotent: true,
      transactionalId: this.transactionalId,
      // The client passes its request timeout to InitProducerId as the transaction timeout.
      timeout: this.transactionTimeoutMs,
      retries: Math.max(2, this.kafka.retries),
      autocreateTopics: true,
      // The client's retry on stale metadata throws outside any callback when a partition is gone (a recreated
      // topic), crashing the worker: the send fails instead, and the attempt's retry starts on fresh metadata.
      repeatOnStaleMetadata: false,
      serializers: bufferSerializers,
    });
    const producer = this.producer;
    // -1/-1 asks the broker for this id's producer whatever its current epoch, as the Java client does; the
    // client's default (0/0) is refused as PRODUCER_FENCED once another producer holds the id, so a new
    // attempt could never take over from the one it must fence.
    this.transaction = await this.bounded('begin', producer.beginTransaction({ producerId: -1n, producerEpoch: -1 }));
  }

  /** Sends messages inside the open transaction; resolves when the broker has them (not yet visible to read_committed). */
  async send(
    topic: string,
    messages: KafkaMessage[],
    options: { compression?: CompressionName } = {},
  ): Promise<SendAck[]> {
    const transaction = this.open('send');
    const result = await this.bounded(
      'send',
      transaction.send({
        messages: messages.map((m) => ({ topic, key: m.key, value: m.value, headers: m.headers })),
        compression: compressionOf(options.compression ?? 'none'),
        partitioner: this.partitioning.forSend(topic),
      }),
      topic,
    );
    return (result.offsets ?? []).map((o) => ({
      topic: o.topic,
      partition: o.partition,
      baseOffset: o.offset.toString(),
    }));
  }

  /** Makes the transaction's messages visible to read_committed consumers, atomically. */
  async commit(): Promise<void> {
    const transaction = this.open('commit');
    await this.bounded('commit', transaction.commit());
    this.transaction = null;
  }

  /** Discards the transaction's messages: read_committed consumers never see them. */
  async abort(): Promise<void> {
    const transaction = this.open('abort');
    await this.bounded('abort', transaction.abort());
    this.transaction = null;
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    this.transaction = null;
    if (producer) await forceClose(producer);
  }

  private open(operation: string): Transaction {
    if (!this.transaction)
      throw new Error(`transactional producer "${this.transactionalId}": ${operation} without begin()`);
    return this.transaction;
  }

  /** Our deadline on one operation, and our typed errors: fenced (stop producing) or a retryable send error. */
  private async bounded<T>(operation: string, work: Promise<T>, topic = '(transaction)'): Promise<T> {
    try {
      return await withDeadline(work, this.timeoutMs, () => new KafkaSendTimeoutError(topic, this.timeoutMs));
    } catch (err) {
      const ids = protocolErrorIds(err);
      const fenced = FENCED.find((id) => ids.has(id));
      if (fenced || err instanceof KafkaSendTimeoutError) {
        // A fenced producer can do nothing more, and after a timeout its state is unknown: start afresh.
        await this.close();
        if (fenced) throw new ProducerFencedError(this.transactionalId, `${operation}: ${fenced}`);
        throw err;
      }
      throw new KafkaSendError(topic, `${operation}: ${describeKafkaError(err)}`, { cause: err });
    }
  }
}
