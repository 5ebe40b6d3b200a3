import {
  KafkaJSProtocolError,
  Partitioners,
  type Kafka,
  type Message,
  type Producer,
  type RecordMetadata,
} from 'kafkajs';
import { withDeadline } from '../deadline';
import { KafkaSendTimeoutError } from '../errors';
import { ignoreSends, type SendObserver } from '../metrics/send-record';
import { acksOf, compressionTypeOf, registerCompressionCodecs, type CompressionName } from './codecs';

/** Connection state of the producer, for health reporting. */
export interface ProducerState {
  connected: boolean;
  lastError: string | null;
  lastErrorAt: Date | null;
}

export interface ProducerOptions {
  /** Deadline of one send, covering KafkaJS's own retries. @default 60000 */
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

/** Errors after which KafkaJS's producer state is unusable: the producer is rebuilt. */
const FATAL_PRODUCER_ERRORS = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH']);

/**
 * The one producer of a worker process, wrapping KafkaJS so that it can be replaced. Sends with
 * acks=all go through an idempotent producer; acks=leader/none need a plain one (KafkaJS refuses
 * idempotence without acks=all). Each send is bounded by our own deadline (KafkaJS can hang after
 * a broker restart) and reported to the observer.
 */
export class KafkaProducer {
  private readonly producers = new Map<'idempotent' | 'plain', Promise<Producer>>();
  private readonly sendTimeoutMs: number;
  private readonly observer: SendObserver;
  readonly state: ProducerState = { connected: false, lastError: null, lastErrorAt: null };

  constructor(
    private readonly kafka: Kafka,
    options: ProducerOptions = {},
  ) {
    registerCompressionCodecs();
    this.sendTimeoutMs = options.sendTimeoutMs ?? 60_000;
    this.observer = options.observer ?? ignoreSends;
  }

  /** Connects the idempotent producer (the plain one connects on first use). */
  async connect(): Promise<void> {
    await this.producer('idempotent');
  }

  private producer(kind: 'idempotent' | 'plain'): Promise<Producer> {
    let producer = this.producers.get(kind);
    if (!producer) {
      producer = this.build(kind);
      this.producers.set(kind, producer);
      producer.catch(() => this.producers.delete(kind));
    }
    return producer;
  }

  private async build(kind: 'idempotent' | 'plain'): Promise<Producer> {
    const producer = this.kafka.producer({
      idempotent: kind === 'idempotent',
      maxInFlightRequests: kind === 'idempotent' ? 1 : 5,
      // Topics are checked before an export; auto-creation then follows the cluster's own setting.
      allowAutoTopicCreation: true,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Temporal's retry policy owns backoff; a few quick retries absorb leader moves.
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5_000 },
    });
    producer.on(producer.events.CONNECT, () => {
      this.state.connected = true;
    });
    producer.on(producer.events.DISCONNECT, () => {
      this.state.connected = false;
    });
    await producer.connect();
    return producer;
  }

  /** Sends one batch of messages to a topic and resolves when the broker has acknowledged all of them. */
  async send(topic: string, messages: Message[], options: SendOptions = {}): Promise<RecordMetadata[]> {
    const acks = options.acks ?? 'all';
    const kind = acks === 'all' ? 'idempotent' : 'plain';
    const started = performance.now();
    const bytes = messages.reduce((n, m) => n + byteLength(m.value) + byteLength(m.key), 0);
    const sending = this.producer(kind).then((p) =>
      p.send({ topic, messages, acks: acksOf(acks), compression: compressionTypeOf(options.compression ?? 'none') }),
    );
    try {
      const result = await withDeadline(sending, this.sendTimeoutMs, () => new KafkaSendTimeoutError(topic, this.sendTimeoutMs));
      this.state.connected = true;
      this.record(topic, options, messages.length, bytes, started, null);
      return result;
    } catch (err) {
      const message = (err as Error).message;
      this.state.lastError = message;
      this.state.lastErrorAt = new Date();
      this.record(topic, options, messages.length, bytes, started, message);
      if (err instanceof KafkaJSProtocolError && FATAL_PRODUCER_ERRORS.has(err.type)) await this.rebuild(kind);
      throw err;
    }
  }

  private record(topic: string, o: SendOptions, messages: number, bytes: number, started: number, error: string | null) {
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

  private async rebuild(kind: 'idempotent' | 'plain'): Promise<void> {
    const old = this.producers.get(kind);
    this.producers.delete(kind);
    await old?.then((p) => p.disconnect()).catch(() => undefined);
  }

  async disconnect(): Promise<void> {
    const producers = [...this.producers.values()];
    this.producers.clear();
    await Promise.allSettled(producers.map(async (p) => (await p).disconnect()));
    this.state.connected = false;
  }
}

function byteLength(value: Message['value'] | Message['key']): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}
