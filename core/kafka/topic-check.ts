import { ConfigResourceTypes, type Kafka } from 'kafkajs';
import { TopicNotFoundError } from '../errors';

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
export async function checkTopic(kafka: Kafka, topic: string): Promise<TopicInfo> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) {
      const cluster = await admin.describeCluster();
      const brokerId = String(cluster.controller ?? cluster.brokers[0]?.nodeId ?? 1);
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.BROKER, name: brokerId, configNames: ['auto.create.topics.enable'] }],
      });
      const autoCreate = resources[0]?.configEntries.find((e) => e.configName === 'auto.create.topics.enable');
      if (autoCreate?.configValue !== 'true') throw new TopicNotFoundError(topic);
      return { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES, exists: false };
    }
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
    });
    const limit = Number(resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue);
    return { maxMessageBytes: Number.isFinite(limit) && limit > 0 ? limit : DEFAULT_MAX_MESSAGE_BYTES, exists: true };
  } finally {
    await admin.disconnect();
  }
}
