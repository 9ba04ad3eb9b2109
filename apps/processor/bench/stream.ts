/**
 * `pnpm bench:stream`: the processor's exactly-once throughput on 1,000,000 preloaded events against the ceiling
 * that Kafka's own ConsumerPerformance reaches on the same events and broker, then end-to-end latency at a steady
 * 5,000 events/s. Writes docs/benchmarks.md between the bench:stream markers.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { StreamFixture, sleep } from '../../../test/stream/harness.ts';
import { rig } from '../../../test/support/rig.ts';
import { EventGenerator } from '../../producer/src/events.ts';
import { EventProducer } from '../../producer/src/producer.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const RATE = 5_000;
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 40);
const WARMUP_SECONDS = 5;
const SENSORS = Array.from({ length: 12 }, (_, i) => `S${String(i).padStart(2, '0')}`);
const CEILING_RUNS = 3;

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const quantile = (xs: readonly number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] as number;
};
const log = (msg: string) => process.stderr.write(`[bench:stream] ${msg}\n`);

async function preload(fx: StreamFixture): Promise<number> {
  const producer = new EventProducer({
    kafka: fx.kafka,
    topic: fx.topics.events,
    generator: new EventGenerator({ sensors: SENSORS, seed: 1 }),
    rate: 0,
    maxBatch: 10_000,
  });
  await producer.connect();
  const t0 = performance.now();
  await producer.run(EVENTS);
  await producer.disconnect();
  return EVENTS / ((performance.now() - t0) / 1000);
}

/** ConsumerPerformance from the same jars: records/s while fetching (group join excluded). */
function ceiling(fx: StreamFixture, run: number): number {
  const out = execFileSync(
    'bash',
    [
      'scripts/rig/kafka.sh',
      'tool',
      'ConsumerPerformance',
      '--bootstrap-server',
      fx.brokers,
      '--topic',
      fx.topics.events,
      '--num-records',
      String(EVENTS),
      '--group',
      `perf-${fx.group}-${run}`,
      '--timeout',
      '60000',
    ],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [header, row] = out.trim().split('\n').slice(-2);
  const cols = (header ?? '').split(',').map((c) => c.trim());
  const values = (row ?? '').split(',').map((c) => c.trim());
  const value = Number(values[cols.indexOf('fetch.nMsg.sec')]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`cannot read ConsumerPerformance output:\n${out}`);
  return value;
}

/** Processor throughput: events committed per second from its first commit until the group has no lag. */
async function throughput(fx: StreamFixture): Promise<number> {
  const p = fx.startProcessor('bench');
  try {
    let first: { t: number; done: number } | undefined;
    for (;;) {
      const lag = await fx.lag();
      const done = EVENTS - lag;
      const t = performance.now();
      if (!first && done > 0) first = { t, done };
      if (lag === 0 && first) return (EVENTS - first.done) / ((t - first.t) / 1000);
      if (!p.running) throw new Error(`the processor exited:\n${p.log}`);
      await sleep(100);
    }
  } finally {
    await p.terminate();
  }
}

/** End-to-end latency of the last event of each window: produced at `toTs`, seen committed in `results`. */
async function latency(fx: StreamFixture): Promise<number[]> {
  const p = fx.startProcessor('bench-latency');
  const kafka = new Kafka({ clientId: 'bench-latency', brokers: fx.brokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `latency-${fx.group}`, readUncommitted: false, maxWaitTimeInMs: 20 });
  const samples: { at: number; ms: number }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: fx.topics.results, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const now = Date.now();
      const result = JSON.parse(String(message.value)) as { toTs: number };
      samples.push({ at: now, ms: now - result.toTs });
    },
  });
  await fx.waitForLag0(60_000).catch(() => undefined);
  await sleep(3_000);
  const producer = new EventProducer({
    kafka,
    topic: fx.topics.events,
    generator: new EventGenerator({ sensors: SENSORS, seed: 2 }),
    rate: RATE,
  });
  await producer.connect();
  const start = Date.now();
  await producer.run(RATE * LATENCY_SECONDS);
  await producer.disconnect();
  await fx.waitForLag0(60_000);
  await sleep(1_000);
  await consumer.disconnect();
  await p.terminate();
  return samples.filter((s) => s.at >= start + WARMUP_SECONDS * 1000).map((s) => s.ms);
}

function writeSection(body: string): void {
  const file = `${root}docs/benchmarks.md`;
  const begin = '<!-- bench:stream -->';
  const end = '<!-- /bench:stream -->';
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const section = `${begin}\n${body}\n${end}`;
  const re = new RegExp(`${begin}[\\s\\S]*?${end}`);
  writeFileSync(file, re.test(current) ? current.replace(re, section) : `${current.trimEnd()}\n\n${section}\n`);
}

async function main(): Promise<void> {
  const env = rig('kafka', 'single');
  const brokers = env.KAFKA_BROKERS ?? '';
  const fx = new StreamFixture(brokers, 1);
  await fx.createTopics();
  log(`preloading ${EVENTS} events`);
  const produceRate = await preload(fx);
  const ceilings: number[] = [];
  for (let run = 1; run <= CEILING_RUNS; run++) {
    ceilings.push(ceiling(fx, run));
    log(`ceiling run ${run}: ${Math.round(ceilings[run - 1] as number)} records/s`);
  }
  log('processor with exactly-once');
  const processorRate = await throughput(fx);
  log(`processor: ${Math.round(processorRate)} events/s`);
  const lf = new StreamFixture(brokers, 1);
  await lf.createTopics();
  log(`latency at ${RATE} events/s for ${LATENCY_SECONDS} s`);
  const lat = await latency(lf);
  const ceilingMedian = median(ceilings);
  const ratio = processorRate / ceilingMedian;
  const p50 = quantile(lat, 0.5);
  const p99 = quantile(lat, 0.99);
  const cpu = cpus()[0]?.model.trim() ?? 'unknown';
  const body = [
    '## Stream processor (`pnpm bench:stream`)',
    '',
    `Machine: ${cpus().length} cores (${cpu}), Node ${process.version}, Apache Kafka ${env.KAFKA_VERSION} single broker (KRaft, rig), kafkajs 2.2.4;`,
    `1-minute load average at the end of the run: ${loadavg()[0]?.toFixed(1)} (other work on the machine inflates the latency tail).`,
    `Data: ${EVENTS.toLocaleString('en-US')} seeded events, ${SENSORS.length} sensors, 3 partitions, window 20.`,
    '',
    '| measure | value |',
    '|---|---|',
    `| ceiling: ConsumerPerformance (same jars, same broker, same events), median of ${CEILING_RUNS} | ${Math.round(ceilingMedian).toLocaleString('en-US')} events/s |`,
    `| processor, one instance, exactly-once (one transaction per fetched batch per partition) | ${Math.round(processorRate).toLocaleString('en-US')} events/s |`,
    `| processor / ceiling | ${(ratio * 100).toFixed(1)} % (target ≥ 20 %: ${ratio >= 0.2 ? 'met' : 'NOT met'}) |`,
    `| end-to-end latency p50 at ${RATE.toLocaleString('en-US')} events/s (${lat.length} windows) | ${p50} ms |`,
    `| end-to-end latency p99 | ${p99} ms (target ≤ 250 ms: ${p99 <= 250 ? 'met' : 'NOT met'}) |`,
    `| preload rate (kafkajs idempotent producer, acks=all) | ${Math.round(produceRate).toLocaleString('en-US')} events/s |`,
    '',
    'Latency is measured for the last event of each window (its produce time to the moment a read_committed',
    'consumer sees the result), so the time a window waits to fill is excluded.',
  ].join('\n');
  writeSection(body);
  process.stdout.write(`${body}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
