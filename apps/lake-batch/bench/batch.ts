/**
 * `pnpm bench:lake:batch`: the batch job's wall time over 10,000,000 events (the whole period in one run: aggregates
 * per minute, hour and day, and the window reconciliation) on DuckDB and on Spark in local mode, against the rig's
 * SeaweedFS and Iceberg REST catalog. The events and their windows are generated inside DuckDB and committed once.
 * Writes docs/benchmarks.md between the bench:lake:batch markers.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@stratus/config';
import { duckdbCreateTable, eventsTable, windowsTable } from '@stratus/config/lake-tables';
import { median, runBench, writeSection } from '../../../test/support/bench-report.ts';
import { rig } from '../../../test/support/rig.ts';
import { batchConfig } from '../src/config.ts';
import { DuckDBLake } from '../src/duckdb-lake.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const DAYS = 10;
const SIZE = 20;
const SENSORS = 12;
const FROM = '2026-01-01';
const TO = '2026-01-11';
const namespace = `bench_${Date.now().toString(36)}`;
const log = (msg: string) => process.stderr.write(`[bench:lake:batch] ${msg}\n`);

async function load(env: Record<string, string>): Promise<void> {
  const lake = await DuckDBLake.open({
    lake: batchConfig({ ...process.env, ...env }).lake,
    catalog: 'lake',
    extensionDirectory: env.DUCKDB_EXTENSION_DIRECTORY ?? '',
  });
  try {
    const t = (name: string) => `lake.${namespace}.${name}`;
    await lake.run(`CREATE SCHEMA lake.${namespace}`);
    await lake.run(duckdbCreateTable(t('events'), eventsTable));
    await lake.run(duckdbCreateTable(t('windows'), windowsTable));
    const stepMs = Math.floor((DAYS * 86_400_000) / EVENTS);
    await lake.run(
      `CREATE TEMP TABLE gen AS SELECT i AS id, 'S' || lpad(CAST(i % ${SENSORS} AS VARCHAR), 2, '0') AS sensor, ` +
        `CAST(hash(i) % 10001 AS DOUBLE) / 100 AS value, ` +
        `TIMESTAMPTZ '${FROM} 00:00:00+00' + to_milliseconds(i * ${stepMs}) AS ts, ` +
        `CAST(i % ${SENSORS} % 3 AS INTEGER) AS kafka_partition, i AS kafka_offset FROM range(${EVENTS}) r(i)`,
    );
    await lake.run(`INSERT INTO ${t('events')} SELECT *, ts, ts FROM gen`);
    log(`committed ${EVENTS} events`);
    await lake.run(
      `INSERT INTO ${t('windows')} SELECT sensor, w, ` +
        `(c // ${SIZE} + CASE WHEN 2 * (c % ${SIZE}) > ${SIZE} OR (2 * (c % ${SIZE}) = ${SIZE} AND (c // ${SIZE}) % 2 = 1) THEN 1 ELSE 0 END) / 100, ` +
        `${SIZE}, first_id, last_id, from_ts, to_ts, to_ts, 0, first_id, to_ts, to_ts FROM (` +
        `SELECT sensor, w, CAST(sum(round(value * 100)) AS BIGINT) AS c, arg_min(id, kafka_offset) AS first_id, ` +
        `arg_max(id, kafka_offset) AS last_id, min(ts) AS from_ts, max(ts) AS to_ts ` +
        `FROM (SELECT *, (row_number() OVER (PARTITION BY sensor ORDER BY kafka_partition, kafka_offset) - 1) // ${SIZE} + 1 AS w FROM gen) ` +
        `GROUP BY sensor, w HAVING count(*) = ${SIZE})`,
    );
    log('committed the windows');
  } finally {
    lake.close();
  }
}

function timeRun(env: Record<string, string>, engine: string): number {
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'apps/lake-batch/src/main.ts', 'run', '--engine', engine, '--from', FROM, '--to', TO],
    {
      cwd: root,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${engine} run failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return seconds;
}

async function main(): Promise<void> {
  const env: Record<string, string> = {
    ...(await rig('seaweedfs')),
    ...(await rig('duckdb')),
    ...(await rig('spark')),
    STRATUS_LAKE__CATALOG__NAMESPACE: namespace,
    WINDOW_SIZE: String(SIZE),
    SPARK_DRIVER_MEMORY: process.env.SPARK_DRIVER_MEMORY ?? '4g',
  };
  log(`generating ${EVENTS} events in namespace ${namespace}`);
  await load(env);
  const times: Record<string, number[]> = { duckdb: [], spark: [] };
  for (let run = 1; run <= RUNS; run++) {
    for (const engine of ['duckdb', 'spark']) {
      const s = timeRun(env, engine);
      times[engine]?.push(s);
      log(`${engine} run ${run}: ${s.toFixed(1)} s`);
    }
  }
  const duck = median(times.duckdb ?? []);
  const spark = median(times.spark ?? []);
  const cpu = cpus()[0]?.model.trim() ?? 'unknown';
  const { versions } = loadConfig();
  const body = [
    '## Lake batch job (`pnpm bench:lake:batch`)',
    '',
    `Machine: ${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; SeaweedFS and its Iceberg`,
    `REST catalog from the rig on loopback; DuckDB ${versions.duckdb} in the job's process (all cores, default memory limit);`,
    `Spark ${versions.spark} (Iceberg ${versions.iceberg}) local[2], driver memory ${env.SPARK_DRIVER_MEMORY}. 1-minute load average at the end: ${loadavg()[0]?.toFixed(1)}`,
    '(other work shared the machine).',
    `Data: ${EVENTS.toLocaleString('en-US')} events of ${SENSORS} sensors over ${DAYS} days in one commit (partitioned by sensor and day),`,
    `their ${SIZE}-event windows; one run recomputes all ${DAYS} days: per minute, hour and day aggregates and every window reconciled.`,
    `Wall time of the whole command (start-up, catalog, reads, writes, commits), median of ${RUNS} runs. A run exits 0 only`,
    'when every window reconciles with the stored ones, so every run here agreed on all of them.',
    '',
    '| engine | wall time (median) | runs | events/s |',
    '|---|---:|---|---:|',
    `| DuckDB (one process) | ${duck.toFixed(1)} s | ${(times.duckdb ?? []).map((s) => s.toFixed(1)).join(', ')} | ${Math.round(EVENTS / duck).toLocaleString('en-US')} |`,
    `| Spark local[2] | ${spark.toFixed(1)} s | ${(times.spark ?? []).map((s) => s.toFixed(1)).join(', ')} | ${Math.round(EVENTS / spark).toLocaleString('en-US')} |`,
    '',
    `Spark / DuckDB in the same run: ${(spark / duck).toFixed(1)}×. On one node DuckDB is the default engine; Spark is there for data that`,
    'outgrows one machine, with executors as pods on Kubernetes.',
  ].join('\n');
  writeSection(`${root}docs/benchmarks.md`, 'lake:batch', body);
  process.stdout.write(`${body}\n`);
}

runBench(main);
