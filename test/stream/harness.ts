import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@stratus/config';
import { sensorPartitioner } from '@stratus/config/sensor';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { afterAll, beforeAll } from 'vitest';
import { ensureTopics } from '../../apps/processor/src/topics.ts';
import { EventGenerator, type SensorEvent, serializeEvent } from '../../apps/producer/src/events.ts';
import { rig } from '../support/rig.ts';
import { type ExpectedWindow, sortWindows } from './oracle.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** When set, each processor's whole output is also appended to `<dir>/<name>-<pid>.log` (the tests keep a tail). */
const logDir = process.env.STREAM_TEST_LOG_DIR;

/** One isolated stream set-up on a rig broker: its own topic names and consumer group. */
export class StreamFixture {
  readonly env: NodeJS.ProcessEnv;
  readonly kafka: Kafka;
  readonly topics: { events: string; results: string; deadLetter: string; changelog: string };
  readonly group: string;

  constructor(
    readonly brokers: string,
    readonly replication: number,
    readonly windowSize = 20,
    /** An existing events topic to read instead of a new one (the bench runs several consumers over one). */
    events?: string,
  ) {
    const id = randomUUID().slice(0, 8);
    this.topics = {
      events: events ?? `events-${id}`,
      results: `results-${id}`,
      deadLetter: `dlq-${id}`,
      changelog: `changelog-${id}`,
    };
    this.group = `processor-${id}`;
    const topic = (name: string) => ({ name, partitions: 3, replicationFactor: replication });
    this.env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      KAFKA_BROKERS: brokers,
      WINDOW_SIZE: String(windowSize),
      METRICS_PORT: '0',
      SESSION_TIMEOUT_MS: '4000',
      HEARTBEAT_INTERVAL_MS: '500',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      STRATUS_STREAM__KAFKA__BROKERS: String(replication),
      STRATUS_STREAM__KAFKA__MIN_INSYNC_REPLICAS: String(Math.min(2, replication)),
      STRATUS_STREAM__PROCESSOR__REPLICAS: '1',
      STRATUS_STREAM__CONSUMER_GROUP: this.group,
      STRATUS_STREAM__TOPICS: JSON.stringify({
        events: topic(this.topics.events),
        results: topic(this.topics.results),
        deadLetter: topic(this.topics.deadLetter),
        changelog: topic(this.topics.changelog),
      }),
    };
    this.kafka = new Kafka({ clientId: `test-${id}`, brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  }

  /**
   * Creates the fixture's topics and waits until their leaders answer. A request that times out is tried again
   * (ensureTopics is idempotent): on the loaded machine the 3-broker KRaft quorum sometimes elects a new controller
   * and leaves CreateTopics unanswered.
   */
  async createTopics(attempts = 3): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      for (let attempt = 1; ; attempt += 1) {
        try {
          const outcomes = await ensureTopics(admin, loadConfig({ env: this.env }));
          // Leaders that answer: a fresh topic's partitions may still say NOT_LEADER to ListOffsets, which makes a
          // kafkajs consumer rejoin its group (tests that count assignments would see extra ones).
          for (const { topic } of outcomes) await answered(() => admin.fetchTopicOffsets(topic), 30_000);
          return;
        } catch (e) {
          if (attempt >= attempts || (e as Error).name !== 'KafkaJSRequestTimeoutError') throw e;
        }
      }
    } finally {
      await admin.disconnect();
    }
  }

  /** Every processor this fixture started, for the logs a failing wait reports. */
  readonly processors: ProcessorProcess[] = [];

  startProcessor(name: string, env: NodeJS.ProcessEnv = {}): ProcessorProcess {
    const p = new ProcessorProcess(name, { ...this.env, HOSTNAME: name, ...env });
    this.processors.push(p);
    return p;
  }

  /** The last log lines of every processor, without the kafkajs partitioner notice. */
  logs(lines = 25): string {
    return this.processors
      .map((p) => {
        const tail = p.log
          .split('\n')
          .filter((l) => l && !l.includes('switched default partitioner'))
          .slice(-lines)
          .map((l) => l.slice(0, 600));
        return `--- ${p.name} (${p.running ? 'running' : `exited ${p.child.exitCode ?? p.child.signalCode}`})\n${tail.join('\n')}`;
      })
      .join('\n');
  }

  /** The sum over partitions of events not yet committed by the processor group (or another group). */
  async lag(groupId = this.group): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(this.topics.events);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [this.topics.events] });
      return ends.reduce((sum, end) => {
        const c = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        return sum + Number(end.high) - Math.max(Number(c), 0);
      }, 0);
    } finally {
      await admin.disconnect();
    }
  }

  async waitForLag0(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lag = await this.lag();
      if (lag === 0) return;
      if (Date.now() > deadline) {
        throw new Error(`the processor still lags ${lag} events after ${timeoutMs} ms\n${this.logs()}`);
      }
      await sleep(250);
    }
  }

  /** Every committed record of a topic, read with read_committed by a fresh group until `quietMs` pass without more. */
  async readAll(topic: string, quietMs = 1_500): Promise<Message[] & { headers?: unknown }[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const pending = new Map(ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => [e.partition, BigInt(e.high)]));
    const out: Message[] = [];
    if (pending.size === 0) return out;
    const consumer = this.kafka.consumer({ groupId: `reader-${randomUUID()}`, readUncommitted: false, maxWaitTimeInMs: 100 });
    let last = Date.now();
    let redelivered = 0;
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const end = pending.get(payload.partition);
      if (end !== undefined && BigInt(payload.lastOffset) + 1n >= end) pending.delete(payload.partition);
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen = new Set<string>();
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        last = Date.now();
        const at = `${partition}:${message.offset}`;
        if (seen.has(at)) {
          redelivered += 1;
          return;
        }
        seen.add(at);
        out.push(message);
      },
    });
    const deadline = Date.now() + 60_000;
    while ((pending.size > 0 || Date.now() - last < quietMs) && Date.now() < deadline) await sleep(100);
    await consumer.disconnect();
    if (pending.size > 0) throw new Error(`reading ${topic}: partitions ${[...pending.keys()].join(',')} not read to their end`);
    if (redelivered > 0) process.stderr.write(`readAll ${topic}: the reader got ${redelivered} records twice (kept once)\n`);
    return out;
  }

  /** `results` as windows without the emit time, sorted by sensor and window number. */
  async results(): Promise<ExpectedWindow[]> {
    const messages = await this.readAll(this.topics.results);
    return sortWindows(
      messages.map((m) => {
        const { emittedAt: _emittedAt, ...rest } = JSON.parse(String(m.value)) as ExpectedWindow & { emittedAt: number };
        return rest;
      }),
    );
  }
}

/**
 * The set-up of a describe block: the rig's Kafka of `shape` started before it, and every processor of the fixtures
 * it made killed after it (resumed first, in case a test froze one).
 */
export function kafkaSuite(shape: 'single' | 'cluster'): {
  brokers: () => string;
  fixture: (replication?: number) => Promise<StreamFixture>;
} {
  let brokers = '';
  const fixtures: StreamFixture[] = [];
  beforeAll(async () => {
    brokers = (await rig('kafka', shape)).KAFKA_BROKERS ?? '';
  });
  afterAll(async () => {
    const alive = fixtures.flatMap((f) => f.processors).filter((p) => p.running);
    for (const p of alive) p.thaw();
    await Promise.all(alive.map((p) => p.crash()));
  });
  return {
    brokers: () => brokers,
    fixture: async (replication = shape === 'cluster' ? 3 : 1) => {
      const fx = new StreamFixture(brokers, replication);
      fixtures.push(fx);
      await fx.createTopics();
      return fx;
    },
  };
}

/** A seeded data set: the events in produce order, with a fixed clock so that it is reproducible. */
export function dataset(seed: number, count: number, sensors: readonly string[] = ['A', 'B', 'C'], firstId = 1): SensorEvent[] {
  const generator = new EventGenerator({ sensors, seed, firstId });
  return Array.from({ length: count }, (_, i) => generator.next(1_700_000_000_000 + (firstId + i) * 10));
}

/**
 * Sends messages keyed by sensor with an idempotent producer and the producer's sensor partitioner (`sensors` is the
 * configured list, A, B, C by default), `chunk` at a time, pausing `pauseMs` between chunks.
 */
export async function produce(
  kafka: Kafka,
  topic: string,
  messages: readonly Message[],
  options: { chunk?: number; pauseMs?: number; sensors?: readonly string[]; between?: (sent: number) => Promise<void> } = {},
): Promise<void> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: sensorPartitioner(options.sensors ?? ['A', 'B', 'C']),
  });
  await producer.connect();
  const chunk = options.chunk ?? 500;
  try {
    for (let i = 0; i < messages.length; i += chunk) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + chunk) });
      await options.between?.(i + chunk);
      if (options.pauseMs) await sleep(options.pauseMs);
    }
  } finally {
    await producer.disconnect();
  }
}

export const eventMessages = (events: readonly SensorEvent[]): Message[] =>
  events.map((e) => ({ key: e.sensor, value: serializeEvent(e) }));

/**
 * The events as the reference's `producer.py` writes them: Python's `json.dumps` spacing, `ts` as float epoch
 * seconds (`time.time()`); every third one with its keys in another order.
 */
export const referenceMessages = (events: readonly SensorEvent[]): Message[] =>
  events.map((e, i) => {
    const fields = [`"id": ${e.id}`, `"sensor": "${e.sensor}"`, `"value": ${e.value}`, `"ts": ${e.ts / 1000}`];
    return { key: e.sensor, value: `{${(i % 3 === 2 ? fields.reverse() : fields).join(', ')}}` };
  });

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Calls `request` until it resolves, for at most `timeoutMs`; then its last error is thrown. */
async function answered<T>(request: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await request();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await sleep(200);
    }
  }
}

/** The processor (or another app's `main.ts`) as a separate OS process, started with tsx, so that tests can kill -9 it. */
export class ProcessorProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /** Settles when the processor has joined its group and runs. */
  readonly started: Promise<void>;
  /** The port of `/metrics` and `/healthz`, once started. */
  metricsPort: number | undefined;
  private output = '';

  constructor(
    readonly name: string,
    env: NodeJS.ProcessEnv,
    main = 'apps/processor/src/main.ts',
  ) {
    this.child = spawn(process.execPath, ['--import', 'tsx', main], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let started: () => void = () => {};
    this.started = new Promise((resolve) => {
      started = resolve;
    });
    const keep = (b: Buffer) => {
      const text = b.toString('utf8');
      const port = /"metricsPort":(\d+)[^\n]*"msg":"processor running"/.exec(text)?.[1];
      if (port) {
        this.metricsPort = Number(port);
        started();
      }
      // Whole, not a tail: tests count what the log says (restores, assignments) from its first line.
      this.output += text;
      if (logDir) appendFileSync(`${logDir}/${name}-${this.child.pid}.log`, text);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  get log(): string {
    return this.output;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** kill -9: no chance to finish or abort the transaction in flight. */
  async crash(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGSTOP: frozen with whatever it holds, as a long GC pause or a stalled VM would freeze it. */
  freeze(): void {
    this.child.kill('SIGSTOP');
  }

  thaw(): void {
    this.child.kill('SIGCONT');
  }

  /** The HTTP status of `/healthz`, or 0 when nothing answers. */
  async health(): Promise<number> {
    if (this.metricsPort === undefined) return 0;
    return fetch(`http://127.0.0.1:${this.metricsPort}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.status,
      () => 0,
    );
  }

  /** The sum of the samples of metric `name` on `/metrics` whose labels contain `labels` (e.g. `partition="1"`). */
  async metric(name: string, labels = ''): Promise<number> {
    const text = await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`).then((r) => r.text());
    return text
      .split('\n')
      .filter((l) => (l.startsWith(`${name} `) || l.startsWith(`${name}{`)) && l.includes(labels))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  }

  /** SIGTERM: the processor finishes its transaction and leaves the group; resolves with the exit code. */
  async terminate(): Promise<number | null> {
    this.child.kill('SIGTERM');
    return this.exited;
  }
}
