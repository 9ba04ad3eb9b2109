import { type Consumer, type EachBatchPayload, Kafka, logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import { restoreChangelog } from './changelog.ts';
import type { ProcessorConfig } from './config.ts';
import type { ProcessorMetrics } from './metrics.ts';
import { PartitionTask } from './partition-task.ts';

export interface ProcessorProps {
  readonly config: ProcessorConfig;
  readonly metrics: ProcessorMetrics;
  readonly logger: Logger;
}

/**
 * The consumer group member: it owns some `events` partitions and runs one {@link PartitionTask} per owned
 * partition. After every assignment it re-fences the partitions' transactional ids and restores their window
 * state from the changelog before it processes anything.
 */
export class Processor {
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly tasks = new Map<number, PartitionTask>();
  private assigned: readonly number[] = [];
  private restoring: Promise<void> | undefined;
  private running = false;
  private crashed: Error | undefined;

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
  }

  /** Healthy while the consumer runs and has not crashed. */
  get healthy(): boolean {
    return this.running && this.crashed === undefined;
  }

  async start(): Promise<void> {
    const { config, logger } = this.props;
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      const partitions = payload.memberAssignment[config.topics.events.name] ?? [];
      this.assign([...partitions].sort((a, b) => a - b));
      logger.info({ partitions: this.assigned, generation: payload.groupId }, 'partitions assigned');
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.crashed = payload.error;
      logger.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: config.topics.events.name, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: config.topics.events.partitions,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    this.running = true;
  }

  /** Leaves the group after the batch in flight commits or aborts, then closes the producers. */
  async stop(): Promise<void> {
    this.running = false;
    await this.consumer.disconnect();
    await Promise.all([...this.tasks.values()].map((t) => t.close()));
    this.tasks.clear();
  }

  private assign(partitions: readonly number[]): void {
    this.assigned = partitions;
    for (const task of this.tasks.values()) void task.close();
    this.tasks.clear();
    for (const p of partitions) {
      this.tasks.set(
        p,
        new PartitionTask({ kafka: this.kafka, config: this.props.config, partition: p, metrics: this.props.metrics }),
      );
    }
  }

  private async ensureReady(task: PartitionTask): Promise<void> {
    while (!task.ready) {
      this.restoring ??= this.restore().finally(() => {
        this.restoring = undefined;
      });
      await this.restoring;
      if (this.tasks.get(task.partition) !== task) return;
    }
  }

  /** Fences every owned partition that needs it, then restores all of them with one changelog read. */
  private async restore(): Promise<void> {
    const pending = this.assigned.map((p) => this.tasks.get(p)).filter((t): t is PartitionTask => t !== undefined && !t.ready);
    if (pending.length === 0) return;
    await Promise.all(pending.map((t) => t.fence()));
    const snapshots = await restoreChangelog({
      kafka: this.kafka,
      topic: this.props.config.topics.changelog.name,
      partitions: pending.map((t) => t.partition),
      groupPrefix: this.props.config.groupId,
    });
    for (const task of pending) {
      const snapshot = snapshots.get(task.partition);
      if (snapshot && task.hasProducer) task.restore(snapshot);
    }
    this.props.logger.info(
      {
        partitions: pending.map((t) => t.partition),
        positions: pending.map((t) => snapshots.get(t.partition)?.nextOffset ?? null),
      },
      'window state restored',
    );
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (!isRunning() || isStale() || batch.isEmpty()) return;
    const task = this.tasks.get(batch.partition);
    if (!task) return;
    await this.ensureReady(task);
    if (this.tasks.get(batch.partition) !== task || !task.ready) return;
    const outcome = await task.process(batch, Date.now);
    if (outcome.seekTo !== undefined) {
      this.props.logger.warn({ partition: batch.partition, offset: outcome.seekTo }, 'seeking to the committed position');
      this.consumer.seek({ topic: batch.topic, partition: batch.partition, offset: outcome.seekTo });
      return;
    }
    resolveOffset(batch.lastOffset());
    await heartbeat();
  }
}
