import { describe, expect, it } from 'vitest';
import { dataset, eventMessages, kafkaSuite, type ProcessorProcess, produce, sleep } from './harness.ts';
import { expectedWindows } from './oracle.ts';

describe('processor crashes and rebalances', () => {
  const suite = kafkaSuite('single');

  it('gives the oracle exactly after kill -9 of the processor three times mid-stream', async () => {
    const fx = await suite.fixture(1);
    const events = dataset(7, 6_000);
    let p = fx.startProcessor('crashy-0');
    let crashes = 0;
    await produce(fx.kafka, fx.topics.events, eventMessages(events), {
      chunk: 200,
      pauseMs: 100,
      between: async (sent) => {
        if (sent % 1_600 === 0 && crashes < 3) {
          await sleep(20 * crashes);
          await p.crash();
          crashes += 1;
          p = fx.startProcessor(`crashy-${crashes}`);
        }
      },
    });
    expect(crashes).toBe(3);
    await fx.waitForLag0(90_000);
    expect(await fx.results()).toEqual(expectedWindows(events, 20));
    expect(await p.terminate()).toBe(0);
  });

  it('gives the oracle exactly when a second processor joins mid-stream and the first one stops later', async () => {
    const fx = await suite.fixture(1);
    const events = dataset(11, 6_000, ['A', 'B', 'C', 'D', 'E', 'F']);
    const first = fx.startProcessor('first');
    let second: ProcessorProcess | undefined;
    let firstExit: Promise<number | null> | undefined;
    await produce(fx.kafka, fx.topics.events, eventMessages(events), {
      chunk: 200,
      pauseMs: 100,
      between: async (sent) => {
        if (sent === 2_000) second = fx.startProcessor('second');
        if (sent === 4_000) {
          await first.started;
          firstExit = first.terminate();
        }
      },
    });
    expect(await firstExit).toBe(0);
    await fx.waitForLag0(90_000);
    expect(await fx.results()).toEqual(expectedWindows(events, 20));
    expect(second?.running).toBe(true);
    expect(await second?.terminate()).toBe(0);
  });
});
