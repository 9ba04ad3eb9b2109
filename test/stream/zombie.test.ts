import { describe, expect, it } from 'vitest';
import { dataset, eventMessages, kafkaSuite, type ProcessorProcess, produce, sleep } from './harness.ts';
import { expectedWindows } from './oracle.ts';

const FENCED = /transaction fenced or timed out/g;
const fencings = (p: ProcessorProcess) => p.log.match(FENCED)?.length ?? 0;

/** Every event must be committed once: the processors' committed-event counters add up to the input. */
async function committedEvents(processors: readonly ProcessorProcess[]): Promise<number> {
  const counts = await Promise.all(processors.filter((p) => p.running).map((p) => p.metric('processor_events_in_total')));
  return counts.reduce((a, b) => a + b, 0);
}

describe('zombies and transaction timeouts', () => {
  const suite = kafkaSuite('single');

  it('a processor frozen with SIGSTOP in a transaction and resumed after its partitions moved commits nothing', async () => {
    const fx = await suite.fixture(1);
    const events = dataset(51, 24_000);
    const zombie = fx.startProcessor('zombie');
    const heir = fx.startProcessor('heir');
    await Promise.all([zombie.started, heir.started]);
    let cycles = 0;
    await produce(fx.kafka, fx.topics.events, eventMessages(events), {
      chunk: 1_000,
      between: async (sent) => {
        if (sent % 4_000 !== 0 || fencings(zombie) > 0 || cycles >= 5) return;
        cycles += 1;
        zombie.freeze();
        await sleep(7_000);
        zombie.thaw();
        await sleep(3_000);
      },
    });
    await fx.waitForLag0(120_000);
    expect(fencings(zombie), `after ${cycles} freezes:\n${fx.logs()}`).toBeGreaterThan(0);
    expect(await fx.results()).toEqual(expectedWindows(events, 20));
    expect(await committedEvents([zombie, heir])).toBe(events.length);
    expect(await zombie.terminate()).toBe(0);
    expect(await heir.terminate()).toBe(0);
  });

  it('a transaction that outlives transaction.timeout.ms is aborted by the broker and its batch processed again, once', async () => {
    const fx = await suite.fixture(1);
    const events = dataset(52, 24_000);
    const slow = fx.startProcessor('slow', {
      TRANSACTION_TIMEOUT_MS: '2000',
      SESSION_TIMEOUT_MS: '60000',
      HEARTBEAT_INTERVAL_MS: '3000',
    });
    await slow.started;
    let cycles = 0;
    await produce(fx.kafka, fx.topics.events, eventMessages(events), {
      chunk: 1_000,
      between: async (sent) => {
        if (sent % 3_000 !== 0 || fencings(slow) > 0 || cycles >= 6) return;
        cycles += 1;
        slow.freeze();
        await sleep(5_000);
        slow.thaw();
        await sleep(1_000);
      },
    });
    await fx.waitForLag0(120_000);
    expect(fencings(slow), `after ${cycles} freezes:\n${fx.logs()}`).toBeGreaterThan(0);
    expect(slow.log).not.toMatch(/"msg":"partitions assigned"[\s\S]*"msg":"partitions assigned"/);
    expect(await fx.results()).toEqual(expectedWindows(events, 20));
    expect(await committedEvents([slow])).toBe(events.length);
    expect(await slow.terminate()).toBe(0);
  });
});
