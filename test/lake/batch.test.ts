import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { duckdbCreateTable, eventsTable, windowsTable } from '@stratus/config/lake-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchConfig } from '../../apps/lake-batch/src/config.ts';
import { DuckDBLake } from '../../apps/lake-batch/src/duckdb-lake.ts';
import { applyEvent, type WindowResult, type WindowState } from '../../apps/processor/src/window.ts';
import { rig } from '../support/rig.ts';
import { type OracleEvent, type OracleGrain, oracleAggregates, oracleWindows } from './batch-oracle.ts';

/**
 * The batch job against a real SeaweedFS S3 + Iceberg REST catalog: the test writes events (and the windows the
 * processor's own window code makes of them) into the lake, runs the job as a process on DuckDB and on Spark in
 * local mode, and compares every output table with the TypeScript oracle computed from the events it wrote.
 */
const SIZE = 20;
const DAY_MS = 86_400_000;
const DAY1 = Date.UTC(2026, 10, 20);
const FROM = '2026-11-20';
const TO = '2026-11-22';
const namespace = `batch_${randomUUID().slice(0, 8)}`;

let env: Record<string, string> = {};
let lake: DuckDBLake;

/** 3 sensors on 2 Kafka partitions, ~2.3 days of events (one day before the period starts late), 2-decimal values. */
function makeEvents(n: number): OracleEvent[] {
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const offsets = [0, 0];
  const start = DAY1 - 6 * 3_600_000;
  return Array.from({ length: n }, (_, i) => {
    const sensor = ['A', 'B', 'C'][Math.floor(random() * 3)] as string;
    const partition = sensor === 'B' ? 0 : 1;
    const offset = offsets[partition] ?? 0;
    offsets[partition] = offset + 1;
    const jitter = Math.floor(random() * 30_000);
    return {
      id: 1000 + i,
      sensor,
      value: Math.floor(random() * 10_001) / 100,
      ts: start + i * 40_000 + jitter,
      partition,
      offset,
    };
  });
}

const events = makeEvents(5_000);

/** What the processor publishes for these events: its own window code, event by event in Kafka order per partition. */
function processorWindows(list: readonly OracleEvent[]): WindowResult[] {
  const states = new Map<string, WindowState>();
  const out: WindowResult[] = [];
  const ordered = [...list].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const e of ordered) {
    const { state, result } = applyEvent(states.get(e.sensor), e, SIZE, e.ts + 5);
    states.set(e.sensor, state);
    if (result) out.push(result);
  }
  return out;
}

const ts = (ms: number) => `TIMESTAMPTZ '${new Date(ms).toISOString()}'`;
const table = (name: string) => `lake.${namespace}.${name}`;

/** Runs the batch job's command asynchronously: a Spark run takes minutes, longer than a vitest worker may block. */
function runJob(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'apps/lake-batch/src/main.ts', ...args],
      { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 15 * 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

interface Row {
  readonly sensor: string;
  readonly start: number;
  readonly events: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly windows: number;
}

async function aggregates(name: string): Promise<Row[]> {
  const rows = await lake.rows(
    `SELECT sensor, epoch_ms(period_start) AS s, events, min_value, max_value, mean_value, windows FROM ${table(name)} ORDER BY sensor, s`,
  );
  return rows.map((r) => ({
    sensor: String(r.sensor),
    start: Number(r.s),
    events: Number(r.events),
    min: Number(r.min_value),
    max: Number(r.max_value),
    mean: Number(r.mean_value),
    windows: Number(r.windows),
  }));
}

async function expectOracle(engine: string) {
  for (const [grain, name] of [
    ['minute', 'sensor_minute'],
    ['hour', 'sensor_hour'],
    ['day', 'sensor_day'],
  ] as [OracleGrain, string][]) {
    const actual = await aggregates(name);
    const expected = oracleAggregates(events, SIZE, grain, DAY1, DAY1 + 2 * DAY_MS);
    expect(actual.length, `${engine} ${name} rows`).toBe(expected.length);
    actual.forEach((a, i) => {
      const e = expected[i];
      expect({ ...a, mean: 0 }, `${engine} ${name} row ${i}`).toEqual({
        ...e,
        periodStart: undefined,
        start: e?.periodStart,
        mean: 0,
      });
      expect(Math.abs(a.mean - (e?.mean ?? Number.NaN)), `${engine} ${name} mean of row ${i}`).toBeLessThan(1e-9);
    });
  }
  const recon = await lake.rows(
    `SELECT sensor, window_seq, status, recomputed_avg, stored_avg FROM ${table('window_reconciliation')} ORDER BY sensor, window_seq`,
  );
  const expected = oracleWindows(events, SIZE).filter((w) => w.toTs >= DAY1 && w.toTs < DAY1 + 2 * DAY_MS);
  expect(recon.length, `${engine} reconciled windows`).toBe(expected.length);
  expect(recon.every((r) => r.status === 'ok')).toBe(true);
  expect(recon.map((r) => [r.sensor, Number(r.window_seq), r.recomputed_avg])).toEqual(
    expected.sort((a, b) => a.sensor.localeCompare(b.sensor) || a.seq - b.seq).map((w) => [w.sensor, w.seq, w.avg]),
  );
}

describe('lake batch job on DuckDB and on Spark', { timeout: 900_000 }, () => {
  beforeAll(async () => {
    env = {
      ...(await rig('seaweedfs')),
      ...(await rig('duckdb')),
      ...(await rig('spark')),
      STRATUS_LAKE__CATALOG__NAMESPACE: namespace,
      WINDOW_SIZE: String(SIZE),
      SPARK_DRIVER_MEMORY: '768m',
    };
    lake = await DuckDBLake.open({
      lake: batchConfig({ ...process.env, ...env }).lake,
      catalog: 'lake',
      extensionDirectory: env.DUCKDB_EXTENSION_DIRECTORY ?? '',
      threads: 2,
    });
    await lake.run(`CREATE SCHEMA IF NOT EXISTS lake.${namespace}`);
    await lake.run(duckdbCreateTable(table('events'), eventsTable));
    await lake.run(duckdbCreateTable(table('windows'), windowsTable));
    const rows = events.map(
      (e) => `(${e.id}, '${e.sensor}', ${e.value}, ${ts(e.ts)}, ${e.partition}, ${e.offset}, ${ts(e.ts + 1)}, ${ts(e.ts + 2)})`,
    );
    const commits = 5;
    const per = Math.ceil(rows.length / commits);
    for (let i = 0; i < rows.length; i += per) {
      await lake.run(`INSERT INTO ${table('events')} VALUES ${rows.slice(i, i + per).join(', ')}`);
    }
    const windows = processorWindows(events).map(
      (w, i) =>
        `('${w.sensor}', ${w.window}, ${w.avg}, ${w.count}, ${w.firstId}, ${w.lastId}, ${ts(w.fromTs)}, ${ts(w.toTs)}, ` +
        `${ts(w.emittedAt)}, 0, ${i}, ${ts(w.emittedAt)}, ${ts(w.emittedAt + 1)})`,
    );
    await lake.run(`INSERT INTO ${table('windows')} VALUES ${windows.join(', ')}`);
  });

  afterAll(() => lake?.close());

  it('DuckDB: the aggregates and reconciled windows equal the oracle', async () => {
    const r = await runJob('run', '--engine', 'duckdb', '--from', FROM, '--to', TO);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ engine: 'duckdb', period: `${FROM}..${TO}`, problems: 0 });
    await expectOracle('duckdb');
  });

  it('Spark (local): re-running the period replaces it with the same rows as DuckDB', async () => {
    const before = await aggregates('sensor_minute');
    const r = await runJob('run', '--engine', 'spark', '--from', FROM, '--to', TO);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    await expectOracle('spark');
    const after = await aggregates('sensor_minute');
    expect(after.map((a) => ({ ...a, mean: 0 }))).toEqual(before.map((b) => ({ ...b, mean: 0 })));
    for (const [i, a] of after.entries()) expect(Math.abs(a.mean - (before[i]?.mean ?? Number.NaN))).toBeLessThan(1e-12);
  });

  it('maintenance compacts, expires and removes orphans, and the tables keep their rows', async () => {
    const count = async (name: string) => Number((await lake.rows(`SELECT count(*) AS n FROM ${table(name)}`))[0]?.n);
    const names = ['events', 'windows', 'sensor_minute', 'sensor_hour', 'sensor_day', 'window_reconciliation'];
    const before = await Promise.all(names.map(count));
    const r = await runJob('maintain');
    expect(r.code, r.stderr).toBe(0);
    const report = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { table: string; rewrittenDataFiles?: number });
    expect(report.find((t) => t.table === 'events')?.rewrittenDataFiles).toBeGreaterThan(0);
    expect(await Promise.all(names.map(count))).toEqual(before);
    await lake.run('DETACH lake');
    await lake.run(
      `ATTACH '${env.ICEBERG_WAREHOUSE}' AS lake (TYPE iceberg, SECRET lake_catalog, ENDPOINT '${env.ICEBERG_CATALOG_URL}')`,
    );
    await expectOracle('after maintenance');
  });

  it('a window that does not agree with the events fails the job and is reported', async () => {
    const w = processorWindows(events).find((x) => x.toTs >= DAY1 + DAY_MS && x.toTs < DAY1 + 2 * DAY_MS) as WindowResult;
    await lake.run(
      `INSERT INTO ${table('windows')} VALUES ('${w.sensor}', ${w.window}, ${w.avg + 0.01}, ${w.count}, ${w.firstId}, ${w.lastId}, ` +
        `${ts(w.fromTs)}, ${ts(w.toTs)}, ${ts(w.emittedAt)}, 0, 999999, ${ts(w.emittedAt)}, ${ts(w.emittedAt)})`,
    );
    const r = await runJob('run', '--engine', 'duckdb', '--from', '2026-11-21');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/windows of 2026-11-21\.\.2026-11-22 do not agree with the events/);
    const bad = await lake.rows(`SELECT sensor, window_seq, status FROM ${table('window_reconciliation')} WHERE status <> 'ok'`);
    expect(bad).toEqual([{ sensor: w.sensor, window_seq: String(w.window), status: 'duplicate' }]);
  });
});
