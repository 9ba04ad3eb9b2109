import { describe, expect, it } from 'vitest';
import { dataset, eventMessages, kafkaSuite, produce, referenceMessages } from './harness.ts';
import { expectedWindows } from './oracle.ts';

describe('processor on the single broker', () => {
  const suite = kafkaSuite('single');

  it('publishes exactly the windows an independent oracle computes from a seeded data set', async () => {
    const fx = await suite.fixture(1);
    const events = dataset(42, 3_000);
    await produce(fx.kafka, fx.topics.events, eventMessages(events));
    const p = fx.startProcessor('p1');
    await fx.waitForLag0(60_000);
    const expected = expectedWindows(events, 20);
    expect(expected.length).toBeGreaterThan(140);
    expect(await fx.results()).toEqual(expected);
    expect(await p.terminate()).toBe(0);
  });

  it('computes the same windows from events in the reference producer format (Python spacing, ts in seconds, id from 0)', async () => {
    const fx = await suite.fixture(1);
    const events = dataset(43, 3_000, ['A', 'B', 'C'], 0);
    const messages = referenceMessages(events);
    expect(String(messages[0]?.value)).toMatch(/^\{"id": 0, "sensor": "[ABC]", "value": [\d.]+, "ts": 1700000000(\.\d+)?\}$/);
    await produce(fx.kafka, fx.topics.events, messages);
    const p = fx.startProcessor('reference');
    await fx.waitForLag0(60_000);
    expect(await fx.readAll(fx.topics.deadLetter, 500)).toHaveLength(0);
    expect(await fx.results()).toEqual(expectedWindows(events, 20));
    expect(await p.terminate()).toBe(0);
  });
});
