import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { LakeFixture, type LakeRig, lakeRig, metric, waitFor } from '../../../test/lake/harness.ts';
import { sleep } from '../../../test/stream/harness.ts';
import { median, quantile, runBench, writeSection } from '../../../test/support/bench-report.ts';
import { EventGenerator } from '../../producer/src/events.ts';
import { EventProducer } from '../../producer/src/producer.ts';
import { openLakeConnection } from '../src/lake.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const EVENTS = Number(process.env.BENCH_EVENTS ?? 500_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RATE = 5_000;
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 40);
const WARMUP_SECONDS = 10;
const PROBE_MS = 250;
const INTERVALS = [5_000, 1_000];
const SENSORS = Array.from({ length: 12 }, (_, i) => `S${String(i).padStart(2, '0')}`);

const log = (msg: string) => process.stderr.write(`[bench:lake] ${msg}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function preload(fx: LakeFixture, count: number, rate: number, seed: number): Promise<void> {
  const producer = new EventProducer({
    kafka: fx.stream.kafka,
    topic: fx.stream.topics.events,
    generator: new EventGenerator({ sensors: SENSORS, seed }),
    rate,
    maxBatch: rate === 0 ? 10_000 : 5_000,
  });
  await producer.connect();
  await producer.run(count);
  await producer.disconnect();
}

/** A plain kafkajs consumer with the archiver's fetch settings: messages/s from joining the group to the last batch. */
async function ceiling(fx: LakeFixture, run: number): Promise<number> {
  const kafka = new Kafka({ clientId: `ceiling-${run}`, brokers: fx.rigs.brokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: `ceiling-${fx.archiverGroup}-${run}`,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: 4 * 1_048_576,
  });
  let seen = 0;
  let joined = 0;
  let last = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = performance.now();
  });
  await consumer.connect();
  await consumer.subscribe({ topic: fx.stream.topics.events, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      seen += batch.messages.length;
      last = performance.now();
    },
  });
  while (seen < EVENTS) await sleep(50);
  await consumer.disconnect();
  return EVENTS / ((last - joined) / 1000);
}

/** The archiver on the preloaded events: rows/s from its claim in the lake until every event is committed. */
async function archiverRate(fx: LakeFixture, run: number): Promise<number> {
  const { process: p, metricsPort } = await fx.startArchiver(`bench-${run}`, {
    STRATUS_LAKE__CATALOG__NAMESPACE: `${fx.namespace}_${run}`,
    STRATUS_LAKE__ARCHIVER__CONSUMER_GROUP: `${fx.archiverGroup}-${run}`,
    FLUSH_INTERVAL_MS: '5000',
    LOG_LEVEL: 'warn',
  });
  try {
    const claimed = () => metric(metricsPort, 'archiver_lag_messages').then((lag) => lag > 0);
    if (!(await waitFor(claimed, 120_000))) throw new Error(`the archiver did not start:\n${p.log}`);
    const t0 = performance.now();
    for (;;) {
      if ((await metric(metricsPort, 'archiver_rows_total', { table: 'events' })) >= EVENTS) break;
      if (!p.running) throw new Error(`the archiver exited:\n${p.log}`);
      await sleep(100);
    }
    return EVENTS / ((performance.now() - t0) / 1000);
  } finally {
    await p.terminate();
  }
}

/**
 * Events produced at RATE for LATENCY_SECONDS; a separate DuckDB polls the lake's positions every PROBE_MS. A row is
 * queryable from the first poll whose position of its partition is past its offset (rows and positions commit
 * together); its latency is that poll's time minus its Kafka timestamp.
 */
async function latency(rigs: LakeRig, flushIntervalMs: number): Promise<{ p50: number; p99: number; rows: number }> {
  const fx = new LakeFixture(rigs);
  await fx.stream.createTopics();
  const { process: p, metricsPort } = await fx.startArchiver('bench-latency', {
    FLUSH_INTERVAL_MS: String(flushIntervalMs),
    LOG_LEVEL: 'warn',
  });
  const { instance, connection } = await openLakeConnection(fx.lakeConnection());
  const positions = `lake."${fx.namespace}".archiver_positions`;
  try {
    const claimed = () => metric(metricsPort, 'archiver_commits_total').then(() => true);
    if (!(await waitFor(claimed, 120_000))) throw new Error(`the archiver did not start:\n${p.log}`);
    await sleep(3_000);
    const polls: { at: number; next: Map<number, bigint> }[] = [];
    let producing = true;
    const probe = (async () => {
      while (producing || polls.length === 0) {
        const at = Date.now();
        const reader = await connection
          .runAndReadAll(
            `SELECT kafka_partition, max(next_offset) AS n FROM ${positions} WHERE topic = '${fx.stream.topics.events}' GROUP BY ALL`,
          )
          .catch(() => undefined);
        if (reader) {
          polls.push({ at, next: new Map(reader.getRowsJS().map(([k, n]) => [k as number, n as bigint])) });
        }
        await sleep(Math.max(0, PROBE_MS - (Date.now() - at)));
      }
    })();
    const started = Date.now();
    await preload(fx, RATE * LATENCY_SECONDS, RATE, 2);
    await fx.waitArchived(120_000);
    await sleep(PROBE_MS * 2);
    producing = false;
    await probe;
    const rows = (
      await connection.runAndReadAll(
        `SELECT kafka_partition, kafka_offset, epoch_ms(kafka_timestamp) FROM lake."${fx.namespace}".events ` +
          `WHERE epoch_ms(kafka_timestamp) >= ${started + WARMUP_SECONDS * 1000}`,
      )
    ).getRowsJS();
    const samples: number[] = [];
    for (const [partition, offset, timestamp] of rows) {
      const poll = polls.find((x) => (x.next.get(partition as number) ?? -1n) > (offset as bigint));
      if (poll) samples.push(poll.at - Number(timestamp));
    }
    if (samples.length < rows.length * 0.99)
      throw new Error(`only ${samples.length} of ${rows.length} rows were seen by the probe`);
    return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99), rows: samples.length };
  } finally {
    connection.closeSync();
    instance.closeSync();
    await p.terminate();
  }
}

async function main(): Promise<void> {
  const rigs = await lakeRig();
  const fx = new LakeFixture(rigs);
  await fx.stream.createTopics();
  log(`preloading ${EVENTS} events`);
  await preload(fx, EVENTS, 0, 1);
  const ceilings: number[] = [];
  const archivers: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    ceilings.push(await ceiling(fx, run));
    log(`run ${run}: plain consumer ${fmt(ceilings[run - 1] as number)} messages/s`);
    archivers.push(await archiverRate(fx, run));
    log(`run ${run}: archiver ${fmt(archivers[run - 1] as number)} rows/s`);
  }
  const ratios = archivers.map((a, i) => a / (ceilings[i] as number));
  const lat: { interval: number; p50: number; p99: number; rows: number }[] = [];
  for (const interval of INTERVALS) {
    log(`latency at ${RATE} events/s for ${LATENCY_SECONDS} s, flush interval ${interval} ms`);
    lat.push({ interval, ...(await latency(rigs, interval)) });
  }
  const cpu = cpus()[0]?.model.trim() ?? 'unknown';
  const body = [
    '## Archiver into the lake (`pnpm bench:lake`, archiver part)',
    '',
    `Machine: ${cpus().length} cores (${cpu}), Node ${process.version}, Apache Kafka single broker (rig), SeaweedFS`,
    '`weed mini` (S3 + Iceberg REST catalog, rig) on the same machine, DuckDB 1.5.5 with its iceberg extension;',
    `1-minute load average at the end of the run: ${loadavg()[0]?.toFixed(1)} (other work on the machine shares the 2 cores).`,
    `Data: ${EVENTS.toLocaleString('en-US')} seeded events, ${SENSORS.length} sensors, 3 partitions; tables partitioned by sensor and day.`,
    '',
    '| measure | value |',
    '|---|---|',
    `| ceiling: plain kafkajs consumer of the same topic (read_committed, same fetch size), median of ${RUNS} | ${fmt(median(ceilings))} messages/s |`,
    `| archiver, one instance, flush every 50,000 rows (one Iceberg commit of rows + positions), median of ${RUNS} | ${fmt(median(archivers))} rows/s |`,
    `| archiver / ceiling, median of the same-run ratios | ${(median(ratios) * 100).toFixed(1)} % |`,
    ...lat.flatMap((l) => [
      `| Kafka-to-queryable p50 at ${fmt(RATE)} events/s, flush interval ${fmt(l.interval)} ms (${fmt(l.rows)} rows) | ${fmt(l.p50)} ms |`,
      `| Kafka-to-queryable p99, flush interval ${fmt(l.interval)} ms | ${fmt(l.p99)} ms |`,
    ]),
    '',
    `Latency: from a row's Kafka timestamp (set by the producer) to the first poll (every ${PROBE_MS} ms) of a separate`,
    "DuckDB reader that sees the lake's position past the row's offset (rows and positions are one commit); the first",
    `${WARMUP_SECONDS} s are left out. It is about half the flush interval plus the commit time (catalog round trips and`,
    'the Parquet writes of one file per sensor and day).',
  ].join('\n');
  writeSection(`${root}docs/benchmarks.md`, 'lake', body);
  process.stdout.write(`${body}\n`);
}

runBench(main);
