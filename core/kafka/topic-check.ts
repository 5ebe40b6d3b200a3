import { ConfigResourceTypes } from '@platformatic/kafka';
import { TopicNotFoundError } from '../errors';
import { withAdmin } from './admin';
import type { KafkaClient } from './client';

/** Kafka's default `max.message.bytes` of a topic. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

export interface TopicInfo {
  /** The topic's `max.message.bytes`: the largest record batch the broker accepts. */
  maxMessageBytes: number;
  /** False when the topic is missing and will be auto-created by the first send. */
  exists: boolean;
}

/**
 * Checks, before anything is sent, that the topic exists (or that the cluster creates topics
 * on first use) and reads its size limit. A missing topic with auto-create off throws
 * TopicNotFoundError: retrying cannot fix it.
 */
export async function checkTopic(kafka: KafkaClient, topic: string): Promise<TopicInfo> {
  return withAdmin(kafka, async (admin) => {
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) {
      const metadata = await admin.metadata({ topics: [] });
      const brokerId = String(
        metadata.controllerId >= 0 ? metadata.controllerId : ([...metadata.brokers.keys()][0] ?? 1),
      );
      const [broker] = await admin.describeConfigs({
        resources: [
          {
            resourceType: ConfigResourceTypes.BROKER,
            resourceName: brokerId,
            configurationKeys: ['auto.create.topics.enable'],
          },
        ],
      });
      const autoCreate = broker?.configs.find((c) => c.name === 'auto.create.topics.enable');
      if (autoCreate?.value !== 'true') throw new TopicNotFoundError(topic);
      return { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES, exists: false };
    }
    const [described] = await admin.describeConfigs({
      resources: [
        { resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: ['max.message.bytes'] },
      ],
    });
    const limit = Number(described?.configs.find((c) => c.name === 'max.message.bytes')?.value);
    return { maxMessageBytes: Number.isFinite(limit) && limit > 0 ? limit : DEFAULT_MAX_MESSAGE_BYTES, exists: true };
  });
}
