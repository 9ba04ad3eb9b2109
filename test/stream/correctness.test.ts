import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rig } from '../support/rig.ts';
import { dataset, eventMessages, type ProcessorProcess, produce, referenceMessages, StreamFixture } from './harness.ts';
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

  it('computes the same windows from events in the reference producer format (Python spacing, ts in seconds, id from 0)', async () => {
    const fx = new StreamFixture(brokers, 1);
    await fx.createTopics();
    const events = dataset(43, 3_000, ['A', 'B', 'C'], 0);
    const messages = referenceMessages(events);
    expect(String(messages[0]?.value)).toMatch(/^\{"id": 0, "sensor": "[ABC]", "value": [\d.]+, "ts": 1700000000(\.\d+)?\}$/);
    await produce(fx.kafka, fx.topics.events, messages);
    const p = fx.startProcessor('reference');
    running.push(p);
    await fx.waitForLag0(60_000);
    expect(await fx.readAll(fx.topics.deadLetter, 500)).toHaveLength(0);
    expect(await fx.results()).toEqual(expectedWindows(events, 20));
    expect(await p.terminate()).toBe(0);
  });
});
