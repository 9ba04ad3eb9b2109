import { describe, expect, it } from 'vitest';
import { dataset, eventMessages, kafkaSuite, produce, sleep } from './harness.ts';

describe('a committed position below the log start of events', () => {
  const suite = kafkaSuite('single');

  it('fails loudly naming the partition and both offsets, or goes on from the log start when BELOW_LOG_START says so', async () => {
    const fx = await suite.fixture(1);
    await produce(fx.kafka, fx.topics.events, eventMessages(dataset(31, 900)));
    const first = fx.startProcessor('before');
    await fx.waitForLag0(60_000);
    expect(await first.terminate()).toBe(0);

    await produce(fx.kafka, fx.topics.events, eventMessages(dataset(32, 900, ['A', 'B', 'C'], 10_000)));
    const admin = fx.kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(fx.topics.events);
    await admin.deleteTopicRecords({
      topic: fx.topics.events,
      partitions: ends.map((e) => ({ partition: e.partition, offset: String(Number(e.high) - 50) })),
    });
    await admin.disconnect();

    const strict = fx.startProcessor('strict');
    const code = await Promise.race([strict.exited, sleep(60_000).then(() => 'still running')]);
    expect(code, fx.logs()).toBe(1);
    const m = /partition (\d) of events-\w+: the committed position (\d+) is below the log start (\d+)/.exec(strict.log);
    expect(m, strict.log.slice(-2_000)).not.toBeNull();
    const end = ends.find((e) => e.partition === Number(m?.[1]));
    expect(Number(m?.[3])).toBe(Number(end?.high) - 50);
    expect(Number(m?.[2])).toBeLessThan(Number(m?.[3]));

    const lenient = fx.startProcessor('lenient', { BELOW_LOG_START: 'log-start' });
    await fx.waitForLag0(60_000);
    expect(lenient.running).toBe(true);
    expect(await lenient.metric('processor_skipped_events_total')).toBeGreaterThan(0);
    expect(await lenient.metric('processor_events_in_total')).toBe(150);
    expect(await lenient.terminate()).toBe(0);
  });
});
