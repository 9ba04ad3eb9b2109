import { afterAll, describe, expect, it } from 'vitest';
import { rigCommand } from '../support/rig.ts';
import { dataset, eventMessages, kafkaSuite, produce, sleep } from './harness.ts';
import { expectedWindows } from './oracle.ts';

describe('processor on the 3-broker cluster', () => {
  const suite = kafkaSuite('cluster');

  afterAll(() => {
    rigCommand('kafka', 'start-broker', '2', 'cluster');
  });

  it('loses no event and no result when a broker is killed mid-stream', async () => {
    const fx = await suite.fixture(3);
    const events = dataset(23, 4_000);
    const p = fx.startProcessor('survivor');
    await produce(fx.kafka, fx.topics.events, eventMessages(events), {
      chunk: 200,
      pauseMs: 100,
      between: async (sent) => {
        if (sent === 1_600) {
          await sleep(50);
          rigCommand('kafka', 'kill-broker', '2', 'cluster');
        }
      },
    });
    await fx.waitForLag0(120_000);
    expect(p.running).toBe(true);
    const input = await fx.readAll(fx.topics.events);
    expect(input.map((m) => String(m.value)).sort()).toEqual(
      eventMessages(events)
        .map((m) => String(m.value))
        .sort(),
    );
    expect(await fx.results()).toEqual(expectedWindows(events, 20));
    expect(await p.terminate()).toBe(0);
  });
});
