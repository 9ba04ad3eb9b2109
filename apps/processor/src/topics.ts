import type { StratusConfig } from '@stratus/config';
import type { Admin, ITopicConfig } from 'kafkajs';

export class TopicMismatchError extends Error {
  override readonly name = 'TopicMismatchError';
  readonly retriable = false;
}

export interface TopicOutcome {
  readonly topic: string;
  readonly partitions: number;
  readonly action: 'created' | 'exists';
}

/** The four stream topics with their partitions, replication and configs, as `@stratus/config` defines them. */
export function topicSpecs(config: StratusConfig): ITopicConfig[] {
  const { topics, kafka } = config.stream;
  const isr = (rf: number) => String(Math.min(kafka.minInsyncReplicas, rf));
  return [
    { ...topics.events, configEntries: [{ name: 'min.insync.replicas', value: isr(topics.events.replicationFactor) }] },
    { ...topics.results, configEntries: [{ name: 'min.insync.replicas', value: isr(topics.results.replicationFactor) }] },
    { ...topics.deadLetter, configEntries: [{ name: 'min.insync.replicas', value: isr(topics.deadLetter.replicationFactor) }] },
    {
      ...topics.changelog,
      configEntries: [
        { name: 'min.insync.replicas', value: isr(topics.changelog.replicationFactor) },
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'segment.ms', value: '600000' },
        { name: 'min.cleanable.dirty.ratio', value: '0.1' },
      ],
    },
  ].map(({ name, partitions, replicationFactor, configEntries }) => ({
    topic: name,
    numPartitions: partitions,
    replicationFactor,
    configEntries,
  }));
}

/** Creates the topics that are missing; checks that existing ones have the configured partitions. Idempotent. */
export async function ensureTopics(admin: Admin, config: StratusConfig): Promise<TopicOutcome[]> {
  const specs = topicSpecs(config);
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  const metadata = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) });
  const partitionsOf = new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
  return specs.map((s) => {
    const partitions = partitionsOf.get(s.topic) ?? 0;
    if (partitions !== s.numPartitions) {
      throw new TopicMismatchError(
        `topic '${s.topic}' has ${partitions} partitions but stream.topics wants ${s.numPartitions}; change the config or the topic`,
      );
    }
    return { topic: s.topic, partitions, action: existing.has(s.topic) ? 'exists' : 'created' };
  });
}
