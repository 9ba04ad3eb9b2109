import { type Admin, type Consumer, type EachBatchPayload, Kafka, logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import { Batch, type PositionRange } from './batch.ts';
import type { ArchiverConfig } from './config.ts';
import { CommitConflictError, FencedError, type Lake, positionKey } from './lake.ts';
import type { ArchiverMetrics } from './metrics.ts';
import { parseEventRow, parseWindowRow } from './rows.ts';

export interface ArchiverProps {
  readonly config: ArchiverConfig;
  readonly lake: Lake;
  readonly metrics: ArchiverMetrics;
  readonly logger: Logger;
}

/** A partition this member owns in the current generation, with its epoch in the lake. */
interface Owned {
  readonly topic: string;
  readonly partition: number;
  readonly epoch: bigint;
  /** The offset after the last batch handed to a commit: where the next batch of this partition starts. */
  next: bigint;
  /** The offset the lake has committed. */
  committed: bigint;
  highWatermark: bigint;
  /** Whether the consumer was already sent to `next` once in this generation. */
  positioned: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The consumer group member that moves `events` and `results` into the lake. The lake, not Kafka, holds the
 * position that counts: after each (re)assignment the member takes its partitions in the lake under a new writer
 * epoch and reads on from the lake's offsets; each flush commits the rows and the new offsets in one Iceberg
 * transaction that the lake refuses if another writer has taken a partition since. Kafka's committed offsets are
 * only a hint that saves re-reading.
 */
export class Archiver {
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly writer: string;
  private owned = new Map<string, Owned>();
  private assignment: { topic: string; partition: number }[] = [];
  /** Bumped by every rebalance: work begun in an older generation must not touch the new one's state. */
  private generation = 0;
  private claimedGeneration = -1;
  private claiming: Promise<void> | undefined;
  private batch = new Batch();
  private flushing: Promise<void> = Promise.resolve();
  private flushQueued = false;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private lakeHealthy = true;
  private fatal: ((e: Error) => void) | undefined;
  /** Settles with the error that made this member give up; the process should then exit non-zero. */
  readonly failed: Promise<Error>;

  constructor(private readonly props: ArchiverProps) {
    const { config } = props;
    this.writer = `${config.clientId}-${process.pid}-${Date.now().toString(36)}`;
    this.failed = new Promise((resolve) => {
      this.fatal = resolve;
    });
    this.kafka = new Kafka({
      clientId: config.clientId,
      brokers: [...config.brokers],
      logLevel: logLevel.WARN,
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 2_000 },
      logCreator: () => (entry) => props.logger.warn({ kafkajs: entry.namespace, ...entry.log }, entry.log.message),
    });
    this.consumer = this.kafka.consumer({
      groupId: config.groupId,
      readUncommitted: false,
      sessionTimeout: config.sessionTimeoutMs,
      rebalanceTimeout: Math.max(config.sessionTimeoutMs, 30_000),
      heartbeatInterval: config.heartbeatIntervalMs,
      maxWaitTimeInMs: config.maxWaitTimeMs,
      maxBytesPerPartition: config.maxBytesPerPartition,
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 2_000 },
    });
    this.admin = this.kafka.admin();
  }

  /** Healthy while the consumer runs and the lake takes commits. */
  get healthy(): boolean {
    return this.running && this.lakeHealthy;
  }

  async start(): Promise<void> {
    const { config, logger } = this.props;
    this.consumer.on(this.consumer.events.REBALANCING, () => {
      this.generation++;
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.generation++;
      this.owned = new Map();
      this.batch = new Batch();
      this.assignment = Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) =>
        [...partitions].sort((a, b) => a - b).map((partition) => ({ topic, partition })),
      );
      logger.info({ assignment: this.assignment.map((a) => positionKey(a.topic, a.partition)) }, 'partitions assigned');
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      logger.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
      if (!payload.restart) this.fail(payload.error);
    });
    await this.admin.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [config.eventsTopic, config.resultsTopic], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    this.running = true;
    const tick = Math.max(20, Math.min(250, Math.floor(config.flushIntervalMs / 4)));
    this.timer = setInterval(() => {
      if (this.batch.due(Date.now(), config.flushRows, config.flushIntervalMs)) this.requestFlush();
    }, tick);
  }

  /** Stops reading, commits what was read, and leaves the group. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    this.requestFlush();
    await this.flushing;
    await this.consumer.disconnect();
    await this.admin.disconnect();
  }

  private fail(e: Error): void {
    this.running = false;
    clearInterval(this.timer);
    this.props.logger.fatal({ err: e }, 'archiver giving up');
    this.fatal?.(e);
  }

  /** Takes every assigned partition in the lake under a new epoch, once per generation. */
  private async ensureClaimed(): Promise<void> {
    while (this.claimedGeneration !== this.generation) {
      this.claiming ??= this.claim().finally(() => {
        this.claiming = undefined;
      });
      await this.claiming;
    }
  }

  private async claim(): Promise<void> {
    const generation = this.generation;
    const assignment = this.assignment;
    const ends = new Map<string, { low: bigint; high: bigint }>();
    for (const topic of new Set(assignment.map((a) => a.topic))) {
      for (const o of await this.admin.fetchTopicOffsets(topic)) {
        ends.set(positionKey(topic, o.partition), { low: BigInt(o.low), high: BigInt(o.high) });
      }
    }
    const keys = assignment.map((a) => ({ ...a, fallback: ends.get(positionKey(a.topic, a.partition))?.low ?? 0n }));
    const claimed = await this.withRetries('claim', () => this.props.lake.claim(keys, this.writer, Date.now()));
    if (generation !== this.generation) return;
    const owned = new Map<string, Owned>();
    for (const [k, p] of claimed) {
      const high = ends.get(k)?.high ?? p.next;
      owned.set(k, { ...p, committed: p.next, highWatermark: high, positioned: false });
      this.props.metrics.lag.set({ topic: p.topic, partition: p.partition }, Number(high - p.next));
    }
    this.owned = owned;
    this.claimedGeneration = generation;
    this.commitHint([...claimed.values()]);
    this.props.logger.info(
      {
        writer: this.writer,
        positions: [...claimed.values()].map((p) => `${positionKey(p.topic, p.partition)}@${p.next}#${p.epoch}`),
      },
      'partitions claimed in the lake',
    );
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (!isRunning() || isStale() || !this.running) return;
    await this.ensureClaimed();
    const owned = this.owned.get(positionKey(batch.topic, batch.partition));
    if (!owned || !isRunning() || isStale()) return;
    owned.highWatermark = BigInt(batch.highWatermark);
    this.props.metrics.lag.set({ topic: owned.topic, partition: owned.partition }, Number(owned.highWatermark - owned.committed));
    const first = batch.firstOffset();
    if (first === null) return;
    const expected = this.batch.nextOffset(batch.topic, batch.partition) ?? owned.next;
    if (BigInt(first) > expected && !owned.positioned) {
      owned.positioned = true;
      this.props.logger.info(
        { partition: positionKey(batch.topic, batch.partition), offset: String(expected) },
        'seeking to the lake position',
      );
      this.consumer.seek({ topic: batch.topic, partition: batch.partition, offset: String(expected) });
      return;
    }
    owned.positioned = true;
    const isEvents = batch.topic === this.props.config.eventsTopic;
    const now = Date.now();
    for (const m of batch.messages) {
      const offset = BigInt(m.offset);
      if (offset < expected) continue;
      this.batch.consume(batch.topic, batch.partition, offset, owned.next, now);
      const source = { partition: batch.partition, offset, timestamp: Number(m.timestamp) };
      const reason = isEvents
        ? this.batch.addEvent(parseEventRow(m.value, source))
        : this.batch.addWindow(parseWindowRow(m.value, source));
      if (reason) this.props.metrics.rejected.inc({ topic: batch.topic, reason });
    }
    this.batch.pass(batch.topic, batch.partition, BigInt(batch.lastOffset()) + 1n, owned.next, now);
    this.props.metrics.pending.set(this.batch.messages);
    resolveOffset(batch.lastOffset());
    await heartbeat();
    if (this.batch.messages >= this.props.config.flushRows) {
      this.requestFlush();
      await this.flushing;
    }
  }

  /** Queues one flush of whatever the batch holds when its turn comes; flushes never overlap. */
  private requestFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    this.flushing = this.flushing.then(async () => {
      this.flushQueued = false;
      try {
        await this.flush();
      } catch (e) {
        this.fail(e as Error);
      }
    });
  }

  private async flush(): Promise<void> {
    const batch = this.batch;
    if (batch.empty) return;
    this.batch = new Batch();
    this.props.metrics.pending.set(0);
    const generation = this.generation;
    const positions = batch.positions();
    const epochs = new Map<string, bigint>();
    for (const r of positions) {
      const owned = this.owned.get(positionKey(r.topic, r.partition));
      if (owned) {
        epochs.set(positionKey(r.topic, r.partition), owned.epoch);
        owned.next = r.next;
      }
    }
    const { lake, metrics, logger } = this.props;
    const started = performance.now();
    try {
      await this.withRetries('commit', () => lake.commit({ ...batch, positions }, epochs, this.writer, Date.now()));
    } catch (e) {
      if (!(e instanceof FencedError)) throw e;
      metrics.commits.inc({ outcome: 'fenced' });
      if (generation !== this.generation) {
        logger.warn({ err: e }, 'commit refused after a rebalance; the new owner reads these messages again');
        return;
      }
      throw e;
    }
    const at = Date.now();
    metrics.commitDuration.observe((performance.now() - started) / 1000);
    metrics.commits.inc({ outcome: 'ok' });
    metrics.rows.inc({ table: 'events' }, batch.events.length);
    metrics.rows.inc({ table: 'windows' }, batch.windows.length);
    metrics.committed(at);
    for (const row of batch.events) metrics.latency.observe((at - row.timestamp) / 1000);
    for (const row of batch.windows) metrics.latency.observe((at - row.timestamp) / 1000);
    if (generation === this.generation) this.advance(positions);
    logger.debug(
      { events: batch.events.length, windows: batch.windows.length, ms: Math.round(performance.now() - started) },
      'committed',
    );
  }

  /** After a commit: the lake's positions moved; tell Kafka too (a hint for the next assignment). */
  private advance(positions: readonly PositionRange[]): void {
    for (const r of positions) {
      const owned = this.owned.get(positionKey(r.topic, r.partition));
      if (!owned) continue;
      owned.committed = r.next;
      this.props.metrics.lag.set({ topic: r.topic, partition: r.partition }, Number(owned.highWatermark - r.next));
    }
    this.commitHint(positions);
  }

  private commitHint(positions: readonly { topic: string; partition: number; next: bigint }[]): void {
    this.consumer
      .commitOffsets(positions.map((r) => ({ topic: r.topic, partition: r.partition, offset: String(r.next) })))
      .catch((e: unknown) => this.props.logger.info({ err: e }, 'could not commit the offset hint to Kafka'));
  }

  /**
   * Runs a lake operation: conflicts with other writers are retried at once (the operation re-reads the positions),
   * other failures with backoff until `commitRetryMs`; fencing is never retried.
   */
  private async withRetries<T>(what: string, op: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.props.config.commitRetryMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await op();
        this.lakeHealthy = true;
        return result;
      } catch (e) {
        if (e instanceof FencedError) throw e;
        if (e instanceof CommitConflictError) {
          this.props.metrics.commits.inc({ outcome: 'conflict' });
          this.props.logger.info({ attempt }, `${what}: conflict with another writer, retrying`);
          await sleep(Math.min(1_000, 20 * attempt) * Math.random());
          continue;
        }
        this.props.metrics.commits.inc({ outcome: 'error' });
        this.lakeHealthy = false;
        if (Date.now() >= deadline) throw e;
        this.props.logger.warn({ err: e, attempt }, `${what} failed, retrying`);
        await sleep(Math.min(5_000, 200 * 2 ** Math.min(attempt, 5)));
      }
    }
  }
}
