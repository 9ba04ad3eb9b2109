import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { type OracleEvent, oracleAggregates, oracleWindows } from '../../../test/lake/batch-oracle.ts';
import { batchPlan, bindPeriod, type LakeNames } from './batch-plan.ts';
import { duckdb, spark } from './dialect.ts';
import { parsePeriod } from './period.ts';

const names: LakeNames = {
  catalog: 'lake',
  namespace: 'stratus',
  events: 'events',
  windows: 'windows',
  minute: 'sensor_minute',
  hour: 'sensor_hour',
  day: 'sensor_day',
  reconciliation: 'window_reconciliation',
};

const DAY = Date.UTC(2026, 11, 1);

/** Events of 3 sensors over two days and a bit, a few seconds apart, values with 2 decimals, two Kafka partitions. */
function makeEvents(n: number): OracleEvent[] {
  let seed = 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const offsets = [0, 0];
  return Array.from({ length: n }, (_, i) => {
    const sensor = ['A', 'B', 'C'][Math.floor(random() * 3)] as string;
    const partition = sensor === 'A' ? 0 : 1;
    const offset = (offsets[partition] ?? 0) + 1;
    offsets[partition] = offset;
    return {
      id: i + 1,
      sensor,
      value: Math.floor(random() * 10_001) / 100,
      ts: DAY - 3_600_000 + i * 97_000,
      partition,
      offset,
    };
  });
}

const ts = (ms: number) => `TIMESTAMPTZ '${new Date(ms).toISOString()}'`;

async function lakeWith(events: readonly OracleEvent[], size: number) {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  await c.run("SET TimeZone = 'UTC'");
  await c.run("ATTACH ':memory:' AS lake");
  await c.run('CREATE SCHEMA lake.stratus');
  await c.run(
    'CREATE TABLE lake.stratus.events (id BIGINT, sensor VARCHAR, value DOUBLE, ts TIMESTAMPTZ, kafka_partition INTEGER, kafka_offset BIGINT)',
  );
  await c.run(
    'CREATE TABLE lake.stratus.windows (sensor VARCHAR, window_seq BIGINT, avg DOUBLE, count INTEGER, first_id BIGINT, last_id BIGINT, to_ts TIMESTAMPTZ)',
  );
  for (let i = 0; i < events.length; i += 500) {
    const rows = events
      .slice(i, i + 500)
      .map((e) => `(${e.id}, '${e.sensor}', ${e.value}, ${ts(e.ts)}, ${e.partition}, ${e.offset})`);
    await c.run(`INSERT INTO lake.stratus.events VALUES ${rows.join(', ')}`);
  }
  const windows = oracleWindows(events, size);
  const rows = windows.map((w) => `('${w.sensor}', ${w.seq}, ${w.avg}, ${size}, ${w.firstId}, ${w.lastId}, ${ts(w.toTs)})`);
  await c.run(`INSERT INTO lake.stratus.windows VALUES ${rows.join(', ')}`);
  return { instance, c };
}

async function runPlan(c: Awaited<ReturnType<typeof lakeWith>>['c'], size: number, from: string, to: string) {
  const plan = batchPlan(duckdb, names, size);
  const period = parsePeriod(from, to);
  const bind = (sql: string) => bindPeriod(duckdb, sql, period);
  for (const o of plan.outputs) await c.run(o.create.replace(/ PARTITIONED BY .*$/, ''));
  for (const v of plan.views) await c.run(`CREATE OR REPLACE TEMP TABLE ${v.name} AS ${bind(v.select)}`);
  for (const o of plan.outputs) {
    await c.run(`DELETE FROM ${o.table} WHERE ${bind(o.where)}`);
    await c.run(`INSERT INTO ${o.table} ${bind(o.select)}`);
  }
  const problems = (await c.runAndReadAll(bind(plan.problems))).getRowObjectsJson()[0]?.problems;
  return Number(problems);
}

describe('batchPlan on DuckDB', { timeout: 60_000 }, () => {
  const size = 20;
  const events = makeEvents(4_000);

  it('gives the per-sensor minute, hour and day aggregates and windows of an independent computation', async () => {
    const { instance, c } = await lakeWith(events, size);
    expect(await runPlan(c, size, '2026-12-01', '2026-12-03')).toBe(0);
    for (const [grain, table] of [
      ['minute', 'sensor_minute'],
      ['hour', 'sensor_hour'],
      ['day', 'sensor_day'],
    ] as const) {
      const rows = (
        await c.runAndReadAll(
          `SELECT sensor, epoch_ms(period_start) AS start, events, min_value, max_value, mean_value, windows FROM lake.stratus.${table} ORDER BY sensor, start`,
        )
      ).getRowObjectsJson();
      const expected = oracleAggregates(events, size, grain, DAY, DAY + 2 * 86_400_000);
      expect(rows.length).toBe(expected.length);
      rows.forEach((r, i) => {
        const e = expected[i];
        expect([r.sensor, Number(r.start), Number(r.events), r.min_value, r.max_value, Number(r.windows)]).toEqual([
          e?.sensor,
          e?.periodStart,
          e?.events,
          e?.min,
          e?.max,
          e?.windows,
        ]);
        expect(Math.abs(Number(r.mean_value) - (e?.mean ?? 0))).toBeLessThan(1e-9);
      });
    }
    instance.closeSync();
  });

  it('replaces the period on a re-run and finds a window that does not agree', async () => {
    const { instance, c } = await lakeWith(events, size);
    await runPlan(c, size, '2026-12-01', '2026-12-02');
    const count = async () =>
      Number((await c.runAndReadAll('SELECT sum(events) AS n FROM lake.stratus.sensor_day')).getRowObjectsJson()[0]?.n);
    const before = await count();
    await runPlan(c, size, '2026-12-01', '2026-12-02');
    expect(await count()).toBe(before);
    await c.run("UPDATE lake.stratus.windows SET avg = avg + 0.01 WHERE sensor = 'B' AND window_seq = 3");
    await c.run("DELETE FROM lake.stratus.windows WHERE sensor = 'C' AND window_seq = 4");
    expect(await runPlan(c, size, '2026-12-01', '2026-12-02')).toBe(2);
    const statuses = (
      await c.runAndReadAll(
        "SELECT sensor, window_seq, status FROM lake.stratus.window_reconciliation WHERE status <> 'ok' ORDER BY sensor",
      )
    ).getRowObjectsJson();
    expect(statuses).toEqual([
      { sensor: 'B', window_seq: '3', status: 'mismatch' },
      { sensor: 'C', window_seq: '4', status: 'missing' },
    ]);
    instance.closeSync();
  });

  it('rejects a window size that is not a positive integer, naming it', () => {
    expect(() => batchPlan(spark, names, 0)).toThrow(/'windowSize' must be an integer of at least 1/);
  });
});
