// An outside Kafka client, for the chaos scenarios that run TrendDrop on Kafka and for the Kafka
// tests: a plain kafkajs producer (messages as given: JSON or raw text, keyed by product) and the
// clean-up of a run's topics.
import { CompressionTypes, Kafka, logLevel, Partitioners } from 'kafkajs';

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

export async function openProducer(brokers: string[]) {
  const kafka = new Kafka({ clientId: 'trenddrop-chaos', brokers, logLevel: logLevel.NOTHING, retry: { retries: 10, maxRetryTime: 3000 } });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  return {
    /**
     * Resolves once the broker acknowledged every message (acks from all in-sync replicas). Chunks
     * stay under the broker's 1 MB batch limit when one key fills a chunk.
     */
    async send(topic: string, messages: { key: string; value: unknown }[], chunk = 2000): Promise<void> {
      for (let i = 0; i < messages.length; i += chunk) {
        await producer.send({
          topic, acks: -1, compression: CompressionTypes.None,
          messages: messages.slice(i, i + chunk).map((m) => ({ key: m.key, value: typeof m.value === 'string' ? m.value : JSON.stringify(m.value) })),
        });
      }
    },
    /** Engagement events, each keyed by its product as TrendDrop's own producer keys them. */
    events(topic: string, events: { productId: string }[]) { return this.send(topic, events.map((e) => ({ key: e.productId, value: e }))); },
    close: () => producer.disconnect(),
  };
}

/** Deletes the topics and consumer groups a run created under its prefix. */
export async function dropPrefix(brokers: string[], prefix: string): Promise<void> {
  const admin = new Kafka({ clientId: 'trenddrop-chaos-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length) await admin.deleteTopics({ topics }).catch(() => undefined);
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
    if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}
