import { type Admin, type Consumer, type EachBatchPayload, Kafka, type KafkaJSError, logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import { ChangelogReader } from './changelog.ts';
import type { ProcessorConfig } from './config.ts';
import type { ProcessorMetrics } from './metrics.ts';
import { PartitionTask } from './partition-task.ts';
import { readTopicLimits, type TopicLimits } from './record-limits.ts';

export interface ProcessorProps {
  readonly config: ProcessorConfig;
  readonly metrics: ProcessorMetrics;
  readonly logger: Logger;
}

/** Errors that mean "another producer owns this transactional id now" or "the broker aborted our transaction". */
const FENCED = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'INVALID_PRODUCER_ID_MAPPING', 'INVALID_TXN_STATE']);

function isFenced(e: unknown): boolean {
  for (let c = e as (KafkaJSError & { type?: string; cause?: unknown }) | undefined; c; c = c.cause as typeof c) {
    if (c.type !== undefined && FENCED.has(c.type)) return true;
  }
  return false;
}

/** The longest the consumer may go without a fetch before `/healthz` says it is stuck. */
const STUCK_MS = 90_000;

/**
 * The consumer group member: it owns some `events` partitions and runs one {@link PartitionTask} per owned
 * partition. A newly assigned partition is fenced (its transactional id initialised) and restored from the
 * changelog before it processes anything; a partition kept across a rebalance keeps its producer and state.
 */
export class Processor {
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly changelog: ChangelogReader;
  private readonly tasks = new Map<number, PartitionTask>();
  private assigned: readonly number[] = [];
  private restoring: Promise<void> | undefined;
  private limits: TopicLimits | undefined;
  private consuming = false;
  private lastFetch = 0;
  private lagTimer: NodeJS.Timeout | undefined;
  private fatal: (e: Error) => void = () => {};
  /** Settles when the processor can no longer do its job: a non-retriable error, or the consumer gave up. */
  readonly failed: Promise<Error>;

  constructor(private readonly props: ProcessorProps) {
    const { config } = props;
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
    this.changelog = new ChangelogReader({
      kafka: this.kafka,
      topic: config.topics.changelog.name,
      groupId: `${config.groupId}-restore-${config.clientId}-${process.pid}-${Date.now().toString(36)}`,
      onFatal: (e) => this.fatal(e),
    });
    this.failed = new Promise<Error>((resolve) => {
      this.fatal = resolve;
    });
  }

  /** Consuming: in the group, fetching, not crashed. */
  get healthy(): boolean {
    return this.consuming && Date.now() - this.lastFetch < STUCK_MS;
  }

  async start(): Promise<void> {
    const { config, logger } = this.props;
    const { events } = this.consumer;
    this.consumer.on(events.GROUP_JOIN, ({ payload }) => {
      const partitions = payload.memberAssignment[config.topics.events.name] ?? [];
      this.assign([...partitions].sort((a, b) => a - b));
      this.consuming = true;
      logger.info({ partitions: this.assigned }, 'partitions assigned');
    });
    this.consumer.on(events.FETCH_START, () => {
      this.lastFetch = Date.now();
    });
    this.consumer.on(events.CRASH, ({ payload }) => {
      this.consuming = false;
      logger.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
      if (!payload.restart) this.fatal(payload.error);
    });
    this.consumer.on(events.STOP, () => {
      this.consuming = false;
    });
    await this.admin.connect();
    const topics = config.topics;
    this.limits = await readTopicLimits(this.admin, [topics.results.name, topics.deadLetter.name, topics.changelog.name]);
    logger.info(
      { brokerMaxMessageBytes: this.limits.brokerMaxMessageBytes, topicMaxMessageBytes: Object.fromEntries(this.limits.topics) },
      'record size limits',
    );
    await this.changelog.start();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: topics.events.name, fromBeginning: true });
    this.lastFetch = Date.now();
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: topics.events.partitions,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    this.lagTimer = setInterval(() => {
      this.refreshLag().catch((e: unknown) => logger.warn({ err: e }, 'cannot read the high watermarks'));
    }, config.lagIntervalMs);
  }

  /** Leaves the group after the batch in flight commits or aborts, then closes the producers and clients. */
  async stop(): Promise<void> {
    clearInterval(this.lagTimer);
    this.consuming = false;
    await this.consumer.disconnect();
    await Promise.all([...this.tasks.values()].map((t) => t.close()));
    this.tasks.clear();
    await this.changelog.stop().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }

  /**
   * Keeps the tasks of partitions that stay (their producer, fence and window state carry over), closes those that
   * moved away after their batch in flight, and opens the new ones, which fence and restore before they process.
   */
  private assign(partitions: readonly number[]): void {
    this.assigned = partitions;
    for (const [p, task] of this.tasks) {
      if (partitions.includes(p)) continue;
      this.tasks.delete(p);
      void task.close();
      this.props.metrics.consumerLag.remove({ partition: String(p) });
    }
    const limits = this.limits;
    if (!limits) throw new Error('the record limits are read before the consumer starts');
    for (const p of partitions) {
      if (this.tasks.has(p)) continue;
      this.tasks.set(
        p,
        new PartitionTask({
          kafka: this.kafka,
          config: this.props.config,
          partition: p,
          metrics: this.props.metrics,
          limits,
          logStart: () => this.logStart(p),
        }),
      );
    }
  }

  private async logStart(partition: number): Promise<string> {
    const offsets = await this.admin.fetchTopicOffsets(this.props.config.topics.events.name);
    const low = offsets.find((o) => o.partition === partition)?.low;
    if (low === undefined) throw new Error(`partition ${partition} has no log start`);
    return low;
  }

  /**
   * The group's committed `events` offsets. They are written in the same transactions as the changelog's
   * `@position`, so after fencing a restore that ends below them has missed committed changelog records.
   */
  private async committedOffsets(): Promise<Map<number, bigint>> {
    const { groupId, topics } = this.props.config;
    const [offsets] = await this.admin.fetchOffsets({ groupId, topics: [topics.events.name] });
    return new Map((offsets?.partitions ?? []).filter((p) => BigInt(p.offset) >= 0n).map((p) => [p.partition, BigInt(p.offset)]));
  }

  /** The lag of every owned partition from the broker's high watermark, so that a stuck member shows it growing. */
  private async refreshLag(): Promise<void> {
    const offsets = await this.admin.fetchTopicOffsets(this.props.config.topics.events.name);
    for (const o of offsets) {
      const task = this.tasks.get(o.partition);
      if (!task) continue;
      const position = task.position ?? o.low;
      this.props.metrics.consumerLag.set({ partition: String(o.partition) }, Number(BigInt(o.high) - BigInt(position)));
    }
  }

  /** Restores what is not ready, heartbeating meanwhile so that a long restore cannot cost the membership. */
  private async ensureReady(task: PartitionTask, heartbeat: () => Promise<void>): Promise<void> {
    let lost: unknown;
    const beat = setInterval(() => {
      heartbeat().catch((e: unknown) => {
        lost = e;
      });
    }, this.props.config.heartbeatIntervalMs);
    try {
      while (!task.ready && lost === undefined) {
        this.restoring ??= this.restore().finally(() => {
          this.restoring = undefined;
        });
        await this.restoring;
        if (this.tasks.get(task.partition) !== task) return;
      }
    } finally {
      clearInterval(beat);
    }
    if (lost !== undefined) throw lost;
  }

  /** Fences every owned partition that needs it, then restores all of them with one changelog read. */
  private async restore(): Promise<void> {
    const pending = this.assigned.map((p) => this.tasks.get(p)).filter((t): t is PartitionTask => t !== undefined && !t.ready);
    if (pending.length === 0) return;
    const started = Date.now();
    await Promise.all(pending.map((t) => t.fence()));
    const current = pending.filter((t) => this.tasks.get(t.partition) === t);
    // A task whose partition moved away while it fenced was closed before its producer existed: close it again.
    for (const t of pending) if (!current.includes(t)) void t.close();
    if (current.length === 0) return;
    const snapshots = await this.changelog.restore(
      this.admin,
      current.map((t) => t.partition),
    );
    const committed = await this.committedOffsets();
    const restored: PartitionTask[] = [];
    for (const task of current) {
      const snapshot = snapshots.get(task.partition);
      const offset = committed.get(task.partition);
      const position = snapshot?.nextOffset === null || snapshot === undefined ? -1n : BigInt(snapshot.nextOffset);
      if (offset !== undefined && position < offset) {
        this.props.logger.warn(
          { partition: task.partition, restored: snapshot?.nextOffset ?? null, committed: String(offset) },
          'the restored changelog is behind the committed offset: restoring again',
        );
        continue;
      }
      if (!snapshot || !task.hasProducer) continue;
      task.restore(snapshot);
      restored.push(task);
      this.props.metrics.restores.inc({ partition: String(task.partition) });
    }
    this.props.logger.info(
      {
        partitions: restored.map((t) => t.partition),
        positions: restored.map((t) => snapshots.get(t.partition)?.nextOffset ?? null),
        ms: Date.now() - started,
      },
      'window state restored',
    );
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (!isRunning() || isStale() || batch.isEmpty()) return;
    const task = this.tasks.get(batch.partition);
    if (!task) return;
    await this.ensureReady(task, heartbeat);
    if (this.tasks.get(batch.partition) !== task || !task.ready) return;
    const { logger } = this.props;
    let outcome: Awaited<ReturnType<PartitionTask['process']>>;
    try {
      outcome = await task.process(batch, Date.now);
    } catch (e) {
      if (!isFenced(e)) throw e;
      logger.warn(
        { partition: batch.partition, err: e },
        'transaction fenced or timed out: checking membership before restoring',
      );
      await heartbeat();
      return;
    }
    if (outcome.kind === 'seek') {
      logger.warn({ partition: batch.partition, offset: outcome.offset }, 'seeking to the committed position');
      this.consumer.seek({ topic: batch.topic, partition: batch.partition, offset: outcome.offset });
      return;
    }
    if (outcome.kind === 'stale') {
      logger.warn({ partition: batch.partition }, 'the partition moved on without this member: restoring it again');
      await task.close();
      return;
    }
    resolveOffset(batch.lastOffset());
    await heartbeat();
  }
}
