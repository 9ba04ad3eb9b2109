import { describe, expect, it } from 'vitest';
import { dataset, eventMessages, kafkaSuite, type ProcessorProcess, produce } from './harness.ts';
import { expectedWindows } from './oracle.ts';

interface Logged {
  readonly msg: string;
  readonly partitions?: number[];
  readonly ms?: number;
}

const logged = (p: ProcessorProcess): Logged[] =>
  p.log
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Logged)
    .filter((l) => l.msg === 'partitions assigned' || l.msg === 'window state restored');

describe('rebalances on the 3-broker cluster with the chart broker settings', () => {
  const suite = kafkaSuite('cluster');

  // Quarantined: under heavy load this finds a few windows published twice on one partition (docs/stream.md,
  // "Known bug"); it stays here to be run by hand while the cause is found, and must be re-enabled with the fix.
  it.skip('gives the oracle through three joins and a leave, with one changelog reader group per member, not one per restore', async () => {
    const fx = await suite.fixture(3);
    const sensors = ['A', 'B', 'C', 'D', 'E', 'F'];
    const events = dataset(61, 9_000, sensors);
    const env = { SENSORS: sensors.join(',') };
    const first = fx.startProcessor('keeper', env);
    await first.started;
    let second: ProcessorProcess | undefined;
    let third: ProcessorProcess | undefined;
    await produce(fx.kafka, fx.topics.events, eventMessages(events), {
      chunk: 300,
      pauseMs: 100,
      sensors,
      between: async (sent) => {
        if (sent === 1_800) {
          second = fx.startProcessor('joiner', env);
          await second.started;
        }
        if (sent === 4_200) {
          third = fx.startProcessor('late', env);
          await third.started;
        }
        if (sent === 6_600) expect(await second?.terminate()).toBe(0);
      },
    });
    await fx.waitForLag0(120_000);
    const got = await fx.results();
    const counts = new Map<string, number>();
    for (const w of got) counts.set(`${w.sensor}#${w.window}`, (counts.get(`${w.sensor}#${w.window}`) ?? 0) + 1);
    const twice = [...counts].filter(([, n]) => n > 1).map(([k]) => k);
    expect(twice, `windows published twice: ${twice.join(' ')}\n${fx.logs(200)}`).toEqual([]);
    expect(got).toEqual(expectedWindows(events, 20));
    expect(logged(first).filter((l) => l.msg === 'partitions assigned').length, fx.logs()).toBeGreaterThanOrEqual(3);

    const admin = fx.kafka.admin();
    await admin.connect();
    const { groups } = await admin.listGroups();
    await admin.disconnect();
    const readers = groups.filter((g) => g.groupId.startsWith(`${fx.group}-restore-`));
    expect(readers).toHaveLength(3);
    expect(await first.terminate()).toBe(0);
    expect(await third?.terminate()).toBe(0);
  }, 300_000);
});
