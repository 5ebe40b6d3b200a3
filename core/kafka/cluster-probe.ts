import type { Kafka } from 'kafkajs';
import { withDeadline } from '../deadline';

/** What one metadata round trip found: brokers that answered, or why none did. */
export interface ClusterProbe {
  brokers: number;
  error: string | null;
}

/**
 * A real metadata round trip to the cluster with a deadline: connected means a broker answered now, not
 * that a producer once connected. Never throws.
 */
export async function probeCluster(kafka: Kafka, timeoutMs = 3_000): Promise<ClusterProbe> {
  const admin = kafka.admin();
  try {
    const round = (async () => {
      await admin.connect();
      return admin.describeCluster();
    })();
    const cluster = await withDeadline(
      round,
      timeoutMs,
      () => new Error(`no answer from the brokers within ${timeoutMs} ms`),
    );
    return { brokers: cluster.brokers.length, error: null };
  } catch (err) {
    return { brokers: 0, error: (err as Error).message };
  } finally {
    void admin.disconnect().catch(() => undefined);
  }
}
