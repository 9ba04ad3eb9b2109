import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rig } from '../support/rig.ts';
import { dataset, eventMessages, type ProcessorProcess, produce, StreamFixture } from './harness.ts';
import { expectedWindows } from './oracle.ts';

describe('processor on the single broker', () => {
  let brokers: string;
  const running: ProcessorProcess[] = [];

  beforeAll(() => {
    brokers = rig('kafka', 'single').KAFKA_BROKERS ?? '';
  });

  afterAll(async () => {
    await Promise.all(running.filter((p) => p.running).map((p) => p.crash()));
  });

  it('publishes exactly the windows an independent oracle computes from a seeded data set', async () => {
    const fx = new StreamFixture(brokers, 1);
    await fx.createTopics();
    const events = dataset(42, 3_000);
    await produce(fx.kafka, fx.topics.events, eventMessages(events));
    const p = fx.startProcessor('p1');
    running.push(p);
    await fx.waitForLag0(60_000);
    const expected = expectedWindows(events, 20);
    expect(expected.length).toBeGreaterThan(140);
    expect(await fx.results()).toEqual(expected);
    expect(await p.terminate()).toBe(0);
  });
});
