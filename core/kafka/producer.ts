import { CompressionTypes, Partitioners, type Kafka, type Message, type Producer, type RecordMetadata } from 'kafkajs';
import { KafkaSendTimeoutError } from '../errors';

/** Connection state of the producer, for health reporting. */
export interface ProducerState {
  connected: boolean;
  lastError: string | null;
  lastErrorAt: Date | null;
}

export interface ProducerOptions {
  /** Deadline of one send, covering KafkaJS's own retries. @default 60000 */
  sendTimeoutMs?: number;
}

/**
 * The one producer of a worker process, wrapping KafkaJS so that it can be replaced:
 * idempotent, each send bounded by our own deadline (KafkaJS can hang after a broker restart).
 */
export class KafkaProducer {
  private readonly producer: Producer;
  private readonly sendTimeoutMs: number;
  readonly state: ProducerState = { connected: false, lastError: null, lastErrorAt: null };

  constructor(kafka: Kafka, options: ProducerOptions = {}) {
    this.sendTimeoutMs = options.sendTimeoutMs ?? 60_000;
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 5 },
    });
    this.producer.on(this.producer.events.CONNECT, () => {
      this.state.connected = true;
    });
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.state.connected = false;
    });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  /** Sends one batch of messages to a topic and resolves when the broker has acknowledged all of them. */
  async send(topic: string, messages: Message[]): Promise<RecordMetadata[]> {
    let timer: NodeJS.Timeout | undefined;
    const sending = this.producer.send({ topic, messages, acks: -1, compression: CompressionTypes.None });
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KafkaSendTimeoutError(topic, this.sendTimeoutMs)), this.sendTimeoutMs);
    });
    // A send abandoned at the deadline must not surface later as an unhandled rejection.
    sending.catch(() => undefined);
    try {
      const result = await Promise.race([sending, deadline]);
      this.state.connected = true;
      return result;
    } catch (err) {
      this.state.lastError = (err as Error).message;
      this.state.lastErrorAt = new Date();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}
