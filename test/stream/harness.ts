import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@stratus/config';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { ensureTopics } from '../../apps/processor/src/topics.ts';
import { EventGenerator, type SensorEvent, serializeEvent } from '../../apps/producer/src/events.ts';
import { type ExpectedWindow, sortWindows } from './oracle.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

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
  ) {
    const id = randomUUID().slice(0, 8);
    this.topics = { events: `events-${id}`, results: `results-${id}`, deadLetter: `dlq-${id}`, changelog: `changelog-${id}` };
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
      LOG_LEVEL: 'warn',
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

  async createTopics(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, loadConfig({ env: this.env }));
    } finally {
      await admin.disconnect();
    }
  }

  startProcessor(name: string): ProcessorProcess {
    return new ProcessorProcess(name, { ...this.env, HOSTNAME: name });
  }

  /** The sum over partitions of events not yet committed by the processor group. */
  async lag(): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(this.topics.events);
      const [committed] = await admin.fetchOffsets({ groupId: this.group, topics: [this.topics.events] });
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
      if (Date.now() > deadline) throw new Error(`the processor still lags ${lag} events after ${timeoutMs} ms`);
      await sleep(250);
    }
  }

  /** Every committed record of a topic, read with read_committed by a fresh group until `quietMs` pass without more. */
  async readAll(topic: string, quietMs = 1_500): Promise<Message[] & { headers?: unknown }[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const total = ends.reduce((s, e) => s + Number(e.high) - Number(e.low), 0);
    const out: Message[] = [];
    if (total === 0) return out;
    const consumer = this.kafka.consumer({ groupId: `reader-${randomUUID()}`, readUncommitted: false, maxWaitTimeInMs: 100 });
    let last = Date.now();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        out.push(message);
        last = Date.now();
      },
    });
    const started = Date.now();
    while (Date.now() - last < quietMs || Date.now() - started < quietMs) await sleep(100);
    await consumer.disconnect();
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

/** A seeded data set: the events in produce order, with a fixed clock so that it is reproducible. */
export function dataset(seed: number, count: number, sensors: readonly string[] = ['A', 'B', 'C'], firstId = 1): SensorEvent[] {
  const generator = new EventGenerator({ sensors, seed, firstId });
  return Array.from({ length: count }, (_, i) => generator.next(1_700_000_000_000 + (firstId + i) * 10));
}

/** Sends messages keyed by sensor with an idempotent producer, `chunk` at a time, pausing `pauseMs` between chunks. */
export async function produce(
  kafka: Kafka,
  topic: string,
  messages: readonly Message[],
  options: { chunk?: number; pauseMs?: number; between?: (sent: number) => Promise<void> } = {},
): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
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

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The processor (or another app's `main.ts`) as a separate OS process, started with tsx, so that tests can kill -9 it. */
export class ProcessorProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
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
    const keep = (b: Buffer) => {
      this.output = (this.output + b.toString('utf8')).slice(-20_000);
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

  /** SIGTERM: the processor finishes its transaction and leaves the group; resolves with the exit code. */
  async terminate(): Promise<number | null> {
    this.child.kill('SIGTERM');
    return this.exited;
  }
}
