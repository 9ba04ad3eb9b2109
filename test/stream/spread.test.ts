import { loadConfig } from '@stratus/config';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { EventGenerator } from '../../apps/producer/src/events.ts';
import { EventProducer } from '../../apps/producer/src/producer.ts';
import { kafkaSuite, sleep } from './harness.ts';

describe('work spread with the default config', () => {
  const suite = kafkaSuite('single');

  it('gives each of 3 processors a partition with traffic from the producer and its default sensors', async () => {
    const fx = await suite.fixture(1);
    const sensors = loadConfig({ env: fx.env }).stream.producer.sensors;
    expect(sensors).toEqual(['A', 'B', 'C']);
    const processors = [0, 1, 2].map((i) => fx.startProcessor(`spread-${i}`));
    await Promise.all(processors.map((p) => p.started));
    const kafka = new Kafka({ clientId: 'spread', brokers: suite.brokers().split(','), logLevel: logLevel.NOTHING });
    const producer = new EventProducer({
      kafka,
      topic: fx.topics.events,
      generator: new EventGenerator({ sensors, seed: 3 }),
      rate: 0,
    });
    await producer.connect();
    await producer.run(3_000);
    await producer.disconnect();
    await sleep(2_000);
    await fx.waitForLag0(60_000);
    const processed = await Promise.all(processors.map((p) => p.metric('processor_events_in_total')));
    expect(
      processed.reduce((a, b) => a + b, 0),
      fx.logs(),
    ).toBe(3_000);
    for (const [i, n] of processed.entries()) expect(n, `processor ${i} processed ${n} events`).toBeGreaterThan(500);
    await Promise.all(processors.map(async (p) => expect(await p.terminate()).toBe(0)));
  });
});
