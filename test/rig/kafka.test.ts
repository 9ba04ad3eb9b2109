import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { rig } from '../support/rig.ts';

/** Creates a topic, produces 100 keyed messages with acks=all and reads them back with a consumer group. */
async function roundTrip(brokers: string, replicationFactor: number): Promise<{ values: string[]; replicas: number[] }> {
  const kafka = new Kafka({ clientId: 'rig-smoke', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const topic = `smoke-${randomUUID().slice(0, 8)}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor }], waitForLeaders: true });
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  await admin.disconnect();

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const sent = Array.from({ length: 100 }, (_, i) => `message-${i}`);
  await producer.send({ topic, acks: -1, messages: sent.map((value, i) => ({ key: `k${i % 7}`, value })) });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `smoke-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const values: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        values.push(String(message.value));
        if (values.length === sent.length) resolve();
      },
    });
  });
  await consumer.disconnect();
  return { values: values.sort(), replicas: metadata.topics[0]?.partitions.map((p) => p.replicas.length) ?? [] };
}

describe('kafka rig', () => {
  it('round-trips messages with kafkajs on the single broker', async () => {
    const env = await rig('kafka', 'single');
    expect(env.KAFKA_BROKERS?.split(',')).toHaveLength(1);
    const { values, replicas } = await roundTrip(env.KAFKA_BROKERS ?? '', 1);
    expect(values).toEqual(Array.from({ length: 100 }, (_, i) => `message-${i}`).sort());
    expect(replicas).toEqual([1, 1, 1]);
  });

  it('round-trips messages with kafkajs on the 3-broker cluster with replication factor 3', async () => {
    const env = await rig('kafka', 'cluster');
    expect(env.KAFKA_BROKERS?.split(',')).toHaveLength(3);
    const { values, replicas } = await roundTrip(env.KAFKA_BROKERS ?? '', 3);
    expect(values).toEqual(Array.from({ length: 100 }, (_, i) => `message-${i}`).sort());
    expect(replicas).toEqual([3, 3, 3]);
  });
});
