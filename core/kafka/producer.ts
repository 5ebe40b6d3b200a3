import { Producer, type ProduceResult } from '@platformatic/kafka';
import { withDeadline } from '../deadline';
import { KafkaMessageTooLargeError, KafkaSendError, KafkaSendTimeoutError } from '../errors';
import { ignoreSends, type SendObserver } from '../metrics/send-record';
import { baseOptionsOf, forceClose, type KafkaClient } from './client';
import { acksOf, compressionOf, type CompressionName } from './codecs';
import {
  describeKafkaError,
  hasNonRetriableBrokerError,
  hasStaleMetadata,
  isConnectionError,
  protocolErrorIds,
} from './kafka-errors';
import { batchBytes, byteLength, type KafkaMessage, type SendAck } from './message';
import { JavaCompatiblePartitioning } from './partitioner';
import { bufferSerializers, type ClientProducer } from './serializers';
import { SerialQueue } from './serial-queue';

/** Connection state of the producer, for health reporting. */
export interface ProducerState {
  connected: boolean;
  lastError: string | null;
  lastErrorAt: Date | null;
}

export interface ProducerOptions {
  /** Deadline of one send on the wire, the client's own retries included. @default 60000 */
  sendTimeoutMs?: number;
  /** Told of every send, for the metrics store. @default ignore */
  observer?: SendObserver;
}

export interface SendOptions {
  /** @default "all" */
  acks?: 'all' | 'leader' | 'none';
  /** @default "none" */
  compression?: CompressionName;
  /** Scheduling the send belongs to, for the metrics. */
  scheduling?: string | null;
}

type Kind = 'idempotent' | 'plain';

/** Broker answers meaning the batch itself is over a limit: the same rows fail the same way again. */
const TOO_LARGE = ['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE'] as const;

/**
 * The one producer of a worker process, wrapping @platformatic/kafka so that nothing else depends on
 * it. Sends with acks=all go through an idempotent producer, one send at a time (see SerialQueue);
 * acks=leader/none through a plain one. Each send is bounded by our own deadline and reported to the
 * observer. Partitions are chosen like the Java client's (see partitioner.ts).
 *
 * The idempotent producer is rebuilt (new producer id, fresh sequence numbers) after every failed
 * send: after a timeout or a lost answer its sequence numbers may not match what the broker stored,
 * and a later batch of the same size reusing them would be taken for a duplicate and dropped. The
 * plain producer is rebuilt after a timeout or a non-retriable broker error.
 *
 * Metadata is the client's, per topic: a deleted topic another export once used is never asked for
 * again. A send that meets stale metadata (a topic deleted and recreated with fewer partitions, a
 * leader moved) is retried once here on fresh metadata, re-partitioned, instead of by the client:
 * the client's own retry keeps the old partition numbers and throws outside any callback when a
 * partition no longer exists, which would crash the worker.
 */
export class KafkaProducer {
  private readonly producers = new Map<Kind, Promise<ClientProducer>>();
  private readonly sendTimeoutMs: number;
  private readonly observer: SendObserver;
  private readonly idempotentSends = new SerialQueue();
  private readonly partitioning = new JavaCompatiblePartitioning();
  readonly state: ProducerState = { connected: false, lastError: null, lastErrorAt: null };

  constructor(
    private readonly kafka: KafkaClient,
    options: ProducerOptions = {},
  ) {
    this.sendTimeoutMs = options.sendTimeoutMs ?? 60_000;
    this.observer = options.observer ?? ignoreSends;
  }

  /** Connects the idempotent producer (obtains its producer id); the plain one connects on first use. */
  async connect(): Promise<void> {
    try {
      await withDeadline(
        this.producer('idempotent'),
        this.sendTimeoutMs,
        () => new Error(`no producer id within ${this.sendTimeoutMs} ms`),
      );
    } catch (err) {
      this.noteError(describeKafkaError(err), isConnectionError(err));
      throw err;
    }
  }

  private producer(kind: Kind): Promise<ClientProducer> {
    let producer = this.producers.get(kind);
    if (!producer) {
      producer = this.build(kind);
      this.producers.set(kind, producer);
      producer.catch(() => {
        if (this.producers.get(kind) === producer) this.producers.delete(kind);
      });
    }
    return producer;
  }

  private async build(kind: Kind): Promise<ClientProducer> {
    const producer: ClientProducer = new Producer({
      ...baseOptionsOf(this.kafka),
      idempotent: kind === 'idempotent',
      // More than 1, or the client sets an idempotent producer's retries to MAX_SAFE_INTEGER.
      retries: Math.max(2, this.kafka.retries),
      // How long the broker may wait for the in-sync replicas before answering a send.
      timeout: 30_000,
      // Topics are checked before an export; auto-creation then follows the cluster's own setting.
      autocreateTopics: true,
      // Stale metadata fails the send, and sendNow retries it re-partitioned (see the class comment).
      repeatOnStaleMetadata: false,
      serializers: bufferSerializers,
    });
    producer.on('client:broker:connect', () => {
      this.state.connected = true;
    });
    producer.on('client:broker:disconnect', () => {
      this.state.connected = false;
    });
    producer.on('client:broker:failed', () => {
      this.state.connected = false;
    });
    try {
      // A real round trip: the producer id of an idempotent producer, the cluster's metadata otherwise.
      if (kind === 'idempotent') await producer.initIdempotentProducer({});
      else await producer.metadata({ topics: [] });
    } catch (err) {
      await forceClose(producer);
      throw err;
    }
    this.state.connected = true;
    return producer;
  }

  /**
   * Re-establishes an idle producer whose broker connection dropped (a broker restart): the client
   * reconnects only when used, so without this health would say "not ready" until the next send.
   * Called by the health check once the cluster answers; failures leave the state as it is.
   */
  async reconnect(timeoutMs: number): Promise<void> {
    if (this.state.connected) return;
    const timedOut = () => new Error(`no producer connection within ${timeoutMs} ms`);
    try {
      const producer = await withDeadline(this.producer('idempotent'), timeoutMs, timedOut);
      await withDeadline(producer.metadata({ topics: [], forceUpdate: true }), timeoutMs, timedOut);
      this.state.connected = true;
    } catch {
      // Still unreachable: health reports it, and the next send retries.
    }
  }

  /**
   * Reads a topic's partitions and leaders afresh, before an export's first send: a topic deleted and
   * recreated since the worker last sent to it (fewer partitions, new leaders) then gets the export's
   * first send right, instead of a send that fails in part and is retried (duplicating the part that
   * landed). Best effort: a failure leaves it to the send.
   */
  async refreshTopic(topic: string): Promise<void> {
    const refreshing = Promise.allSettled(
      [...this.producers.values()].map(async (p) => (await p).metadata({ topics: [topic], forceUpdate: true })),
    );
    await withDeadline(refreshing, this.sendTimeoutMs, () => new Error('metadata refresh timed out')).catch(
      () => undefined,
    );
  }

  /** Sends one batch of messages to a topic and resolves when the broker has acknowledged all of them. */
  send(topic: string, messages: KafkaMessage[], options: SendOptions = {}): Promise<SendAck[]> {
    const kind: Kind = (options.acks ?? 'all') === 'all' ? 'idempotent' : 'plain';
    const send = () => this.sendNow(kind, topic, messages, options);
    return kind === 'idempotent' ? this.idempotentSends.run(send) : send();
  }

  private async sendNow(kind: Kind, topic: string, messages: KafkaMessage[], options: SendOptions): Promise<SendAck[]> {
    const started = performance.now();
    const bytes = batchBytes(messages);
    const attempt = () =>
      this.producer(kind).then((p) =>
        p.send({
          messages: messages.map((m) => ({ topic, key: m.key, value: m.value, headers: m.headers })),
          acks: acksOf(options.acks ?? 'all'),
          compression: compressionOf(options.compression ?? 'none'),
          partitioner: this.partitioning.forSend(topic),
        }),
      );
    const sending = attempt().catch(async (err: unknown) => {
      if (!hasStaleMetadata(err)) throw err;
      await this.refreshMetadata(kind);
      return attempt();
    });
    try {
      const result = await withDeadline(
        sending,
        this.sendTimeoutMs,
        () => new KafkaSendTimeoutError(topic, this.sendTimeoutMs),
      );
      this.state.connected = true;
      this.record(topic, options, messages.length, bytes, started, null);
      return toSendAcks(result);
    } catch (err) {
      const error = this.classify(err, topic, messages, bytes);
      this.noteError(error.message, err instanceof KafkaSendTimeoutError || isConnectionError(err));
      this.record(topic, options, messages.length, bytes, started, error.message);
      if (kind === 'idempotent' || err instanceof KafkaSendTimeoutError || hasNonRetriableBrokerError(err))
        await this.rebuild(kind);
      throw error;
    }
  }

  /** Our typed error for a failed send: too large (not retryable), timeout, or a retryable send error. */
  private classify(err: unknown, topic: string, messages: KafkaMessage[], bytes: number): Error {
    if (err instanceof KafkaSendTimeoutError) return err;
    const ids = protocolErrorIds(err);
    const tooLarge = TOO_LARGE.find((id) => ids.has(id));
    if (tooLarge) {
      const largest = messages.reduce((n, m) => Math.max(n, byteLength(m.value) + byteLength(m.key)), 0);
      return new KafkaMessageTooLargeError(topic, tooLarge, messages.length, bytes, largest);
    }
    return new KafkaSendError(topic, describeKafkaError(err), { cause: err });
  }

  private noteError(message: string, unreachable: boolean): void {
    this.state.lastError = message;
    this.state.lastErrorAt = new Date();
    if (unreachable) this.state.connected = false;
  }

  private record(
    topic: string,
    o: SendOptions,
    messages: number,
    bytes: number,
    started: number,
    error: string | null,
  ) {
    try {
      this.observer({
        at: new Date(),
        topic,
        scheduling: o.scheduling ?? null,
        messages,
        bytes,
        latencyMs: performance.now() - started,
        success: error === null,
        error,
      });
    } catch {
      // Metrics must never fail a send.
    }
  }

  /**
   * Forgets what the client knows of the cluster's topics. The idempotent producer is rebuilt instead: its
   * sequence numbers of a recreated topic's partitions would not match the new partitions' (none).
   */
  private async refreshMetadata(kind: Kind): Promise<void> {
    if (kind === 'idempotent') return this.rebuild(kind);
    (await this.producer(kind)).clearMetadata();
  }

  private async rebuild(kind: Kind): Promise<void> {
    const old = this.producers.get(kind);
    this.producers.delete(kind);
    // Forced: a send that outlived its deadline is abandoned, not awaited.
    await old?.then(forceClose, () => undefined);
  }

  async disconnect(): Promise<void> {
    const producers = [...this.producers.values()];
    this.producers.clear();
    await Promise.allSettled(producers.map(async (p) => forceClose(await p)));
    this.state.connected = false;
  }
}

/** The client's offsets as our acknowledgements (none with acks=none). */
function toSendAcks(result: ProduceResult): SendAck[] {
  return (result.offsets ?? []).map((o) => ({
    topic: o.topic,
    partition: o.partition,
    baseOffset: o.offset.toString(),
  }));
}
