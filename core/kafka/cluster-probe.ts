import { withDeadline } from '../deadline';
import { withAdmin } from './admin';
import type { KafkaClient } from './client';
import { describeKafkaError } from './kafka-errors';

/** What one metadata round trip found: brokers that answered, or why none did. */
export interface ClusterProbe {
  brokers: number;
  /** Node id of the active controller, or null when the cluster names none (yet). */
  controllerId: number | null;
  error: string | null;
}

/**
 * A real metadata round trip to the cluster with a deadline: connected means a broker answered now, not
 * that a producer once connected. Never throws.
 */
export async function probeCluster(kafka: KafkaClient, timeoutMs = 3_000): Promise<ClusterProbe> {
  try {
    // No retries inside the deadline: one answer, now.
    const round = withAdmin(
      { ...kafka, retries: 0, connectTimeout: Math.min(kafka.connectTimeout, timeoutMs) },
      (admin) => admin.metadata({ topics: [], forceUpdate: true }),
    );
    const metadata = await withDeadline(
      round,
      timeoutMs,
      () => new Error(`no answer from the brokers within ${timeoutMs} ms`),
    );
    return {
      brokers: metadata.brokers.size,
      controllerId: metadata.controllerId >= 0 ? metadata.controllerId : null,
      error: null,
    };
  } catch (err) {
    return { brokers: 0, controllerId: null, error: describeKafkaError(err) };
  }
}
