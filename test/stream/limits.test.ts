import type { Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { dataset, eventMessages, kafkaSuite, produce, type StreamFixture, sleep } from './harness.ts';
import { expectedWindows } from './oracle.ts';

/** kafkajs's ConfigResourceTypes.TOPIC. */
const TOPIC = 2;
/** The rig broker's message.max.bytes (Kafka's default). */
const BROKER_LIMIT = 1_048_588;

async function setTopicConfig(fx: StreamFixture, topic: string, name: string, value: string): Promise<void> {
  const admin = fx.kafka.admin();
  await admin.connect();
  try {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: TOPIC, name: topic, configEntries: [{ name, value }] }],
    });
  } finally {
    await admin.disconnect();
  }
}

describe('processor and Kafka size limits', () => {
  const suite = kafkaSuite('single');

  it('dead-letters payloads from 0 bytes to above message.max.bytes, floods included, truncating what cannot fit, and stays up', async () => {
    const fx = await suite.fixture(1);
    await setTopicConfig(fx, fx.topics.events, 'max.message.bytes', String(8 * 1_048_576));
    const sizes = [
      0,
      1,
      2,
      10,
      100,
      1_000,
      10_000,
      100_000,
      500_000,
      1_000_000,
      BROKER_LIMIT - 100,
      BROKER_LIMIT,
      BROKER_LIMIT + 1,
      2_000_000,
      5_000_000,
    ];
    const odd: Message[] = sizes.map((size, i) => ({
      key: ['A', 'B', 'C'][i % 3] as string,
      value: Buffer.alloc(size, 0x61 + (i % 26)),
      headers: { marker: `size-${size}` },
    }));
    const flood: Message[] = Array.from({ length: 4_000 }, (_, i) => ({
      key: ['A', 'B', 'C'][i % 3] as string,
      value: `{"id": ${i}, "sensor": "A", "value": "${'x'.repeat(900)}", "ts": 1}`,
      headers: { marker: `flood-${i}` },
    }));
    const events = dataset(8, 3_000);
    const valid = eventMessages(events);
    await produce(fx.kafka, fx.topics.events, [...valid.slice(0, 1_000), ...flood, ...valid.slice(1_000, 2_000)]);
    await produce(fx.kafka, fx.topics.events, odd, { chunk: 1 });
    await produce(fx.kafka, fx.topics.events, valid.slice(2_000));
    const p = fx.startProcessor('limits');
    await fx.waitForLag0(120_000);
    expect(p.running).toBe(true);
    expect(await fx.results()).toEqual(expectedWindows(events, 20));

    const letters = await fx.readAll(fx.topics.deadLetter);
    expect(letters).toHaveLength(odd.length + flood.length);
    const byMarker = new Map(letters.map((m) => [String(m.headers?.marker ?? m.headers?.['dlq.offset']), m]));
    for (const f of flood.slice(0, 50)) {
      expect(String(byMarker.get(String(f.headers?.marker))?.headers?.['dlq.reason'])).toBe('non-numeric-value');
    }
    const truncated = letters.filter((m) => m.headers?.['dlq.truncated'] !== undefined);
    expect(truncated.map((m) => Number(String(m.headers?.['dlq.truncated']))).sort((a, b) => a - b)).toEqual(
      sizes.filter((s) => s >= BROKER_LIMIT - 100),
    );
    for (const m of truncated) {
      expect(m.value?.length ?? 0).toBeLessThan(BROKER_LIMIT);
      expect(m.value?.length ?? 0).toBeGreaterThan(BROKER_LIMIT - 2_000);
      expect(String(m.headers?.['dlq.reason'])).toBe('invalid-json');
    }
    for (const [i, size] of sizes.entries()) {
      if (size >= BROKER_LIMIT - 100) continue;
      const letter = byMarker.get(`size-${size}`);
      expect(letter, `size ${size}`).toBeDefined();
      expect(letter?.value === null ? 0 : (letter?.value?.length ?? -1)).toBe(size);
      if (size > 0) expect(letter?.value?.[0]).toBe(0x61 + (i % 26));
    }
    expect(await p.terminate()).toBe(0);
  }, 300_000);

  it('exits non-zero, after closing what it can, when a produce fails in a way kafkajs will not retry', async () => {
    const fx = await suite.fixture(1);
    const p = fx.startProcessor('doomed');
    await p.started;
    await produce(fx.kafka, fx.topics.events, eventMessages(dataset(9, 200)));
    await fx.waitForLag0(60_000);
    expect(await p.health()).toBe(200);
    await setTopicConfig(fx, fx.topics.changelog, 'max.message.bytes', '200');
    await produce(fx.kafka, fx.topics.events, eventMessages(dataset(10, 500, ['A', 'B', 'C'], 1_000)));
    const code = await Promise.race([p.exited, sleep(60_000).then(() => 'still running')]);
    expect(code, fx.logs()).toBe(1);
    expect(p.log).toMatch(/the consumer gave up/);
    expect(p.log, p.log.slice(-3000)).toMatch(/larger than the max message size/);
    expect(p.log).toMatch(/"closed":true/);
  });
});
