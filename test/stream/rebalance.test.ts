import { describe, expect, it } from 'vitest';
import { dataset, eventMessages, kafkaSuite, type ProcessorProcess, produce } from './harness.ts';
import { expectedWindows } from './oracle.ts';

interface Logged {
  readonly msg: string;
  readonly partitions?: number[];
  readonly partition?: number;
}

const logged = (p: ProcessorProcess): Logged[] =>
  p.log
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Logged);

/**
 * What a member's own log says about each partition: how often it was restored, and how often it may have needed
 * to be (newly assigned, i.e. not held in the member's previous assignment, or its transaction fenced or found
 * stale). A partition gained and lost again before a batch of it arrived is never restored, hence at most.
 */
function restoreCounts(p: ProcessorProcess): { restored: Map<number, number>; needed: Map<number, number>; kept: number } {
  const restored = new Map<number, number>();
  const needed = new Map<number, number>();
  const add = (m: Map<number, number>, partition: number) => m.set(partition, (m.get(partition) ?? 0) + 1);
  let held: number[] = [];
  let kept = 0;
  for (const l of logged(p)) {
    if (l.msg === 'partitions assigned') {
      const now = l.partitions ?? [];
      for (const partition of now) {
        if (held.includes(partition)) kept += 1;
        else add(needed, partition);
      }
      held = now;
    } else if (l.msg === 'window state restored') {
      for (const partition of l.partitions ?? []) add(restored, partition);
    } else if (
      l.partition !== undefined &&
      (l.msg.startsWith('transaction fenced or timed out') || l.msg.startsWith('the partition moved on without this member'))
    ) {
      add(needed, l.partition);
    }
  }
  return { restored, needed, kept };
}

const sorted = (m: Map<number, number>) => [...m].sort(([a], [b]) => a - b);

for (const shape of ['single', 'cluster'] as const) {
  const setting = shape === 'cluster' ? 'the 3-broker cluster with the chart broker settings' : 'the single broker';
  describe(`rebalances on ${setting}`, () => {
    const suite = kafkaSuite(shape);

    it('gives the oracle through three joins and a leave, restores only what moved, with one changelog reader group per member', async () => {
      const fx = await suite.fixture();
      const sensors = ['A', 'B', 'C', 'D', 'E', 'F'];
      const events = dataset(61, 9_000, sensors);
      const env = { SENSORS: sensors.join(',') };
      const first = fx.startProcessor('keeper', env);
      await first.started;
      let second: ProcessorProcess | undefined;
      let third: ProcessorProcess | undefined;
      let secondRestores: ReturnType<typeof restoreCounts> | undefined;
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
          if (sent === 6_600 && second) {
            expect(await second.terminate()).toBe(0);
            secondRestores = restoreCounts(second);
          }
        },
      });
      await fx.waitForLag0(120_000);
      const got = await fx.results();
      const counts = new Map<string, number>();
      for (const w of got) counts.set(`${w.sensor}#${w.window}`, (counts.get(`${w.sensor}#${w.window}`) ?? 0) + 1);
      const twice = [...counts].filter(([, n]) => n > 1).map(([k]) => k);
      expect(twice, `windows published twice: ${twice.join(' ')}\n${fx.logs(200)}`).toEqual([]);
      expect(got).toEqual(expectedWindows(events, 20));

      // Rebalances cost only what moved: a member restores a partition at most as often as it gained it (or its
      // transaction was fenced), never for a partition it kept; its restore counter says the same as its log.
      const members = [first, third].filter((p): p is ProcessorProcess => p !== undefined);
      const all = [...members.map(restoreCounts), ...(secondRestores ? [secondRestores] : [])];
      for (const c of all) {
        const over = [...c.restored].filter(([partition, n]) => n > (c.needed.get(partition) ?? 0));
        expect(
          over,
          `restored more often than gained: ${JSON.stringify(sorted(c.restored))} vs ${JSON.stringify(sorted(c.needed))}\n${fx.logs(60)}`,
        ).toEqual([]);
      }
      expect(
        all.reduce((n, c) => n + c.kept, 0),
        'no partition was kept across a rebalance',
      ).toBeGreaterThan(0);
      for (const p of members) {
        const { restored } = restoreCounts(p);
        for (const partition of [0, 1, 2]) {
          expect(await p.metric('processor_restores_total', `partition="${partition}"`), `${p.name} p${partition}`).toBe(
            restored.get(partition) ?? 0,
          );
        }
      }
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
}
