import { withAdmin } from '../kafka/admin';
import type { KafkaClient } from '../kafka/client';
import { checkTopic } from '../kafka/topic-check';

export interface TopicLayout {
  name: string;
  /** False when the topic is missing and the cluster would create it on the first send. */
  exists: boolean;
  /** Partitions the broker reports; null for a topic not created yet (its count is the broker's default then). */
  partitions: number | null;
  /** The topic's `max.message.bytes` (Kafka's default for a topic not created yet). */
  max_message_bytes: number;
}

/**
 * What a send to `topic` would meet, read from the broker without creating anything: whether it
 * exists (TopicNotFoundError when not and the cluster does not auto-create), its partition count and
 * its size limit.
 */
export async function readTopicLayout(kafka: KafkaClient, topic: string): Promise<TopicLayout> {
  const info = await checkTopic(kafka, topic);
  if (!info.exists) return { name: topic, exists: false, partitions: null, max_message_bytes: info.maxMessageBytes };
  // The topic exists: a metadata request naming it cannot create it.
  const metadata = await withAdmin(kafka, (admin) => admin.metadata({ topics: [topic], autocreateTopics: false }));
  const partitions = metadata.topics.get(topic)?.partitionsCount ?? null;
  return { name: topic, exists: true, partitions, max_message_bytes: info.maxMessageBytes };
}
