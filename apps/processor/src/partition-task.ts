import { sensorPartition, sensorPartitioner } from '@stratus/config/sensor';
import type { Batch, IHeaders, Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import { changelogMessages, type PartitionSnapshot } from './changelog.ts';
import type { ProcessorConfig } from './config.ts';
import { parseEvent } from './event.ts';
import type { ProcessorMetrics } from './metrics.ts';
import { fitDeadLetter, recordBudget, splitRequests, type TopicLimits } from './record-limits.ts';
import { applyEvent, serializeResult, type WindowState } from './window.ts';

export interface PartitionTaskProps {
  /** The client the task's transactional producer is made from. */
  readonly kafka: Kafka;
  readonly config: ProcessorConfig;
  /** The `events` partition this task owns while it is assigned. */
  readonly partition: number;
  readonly metrics: ProcessorMetrics;
  /** The size limits of the output topics, read from the brokers. */
  readonly limits: TopicLimits;
  /** The current log start offset of the task's `events` partition. */
  readonly logStart: () => Promise<string>;
}

/** What one fetched batch led to. */
export type BatchOutcome =
  | { readonly kind: 'committed'; readonly processed: number; readonly skipped: number }
  /** The consumer is ahead of the committed position and must seek back to it. */
  | { readonly kind: 'seek'; readonly offset: string }
  /** The state is older than the partition's position: someone else processed it; fence and restore again. */
  | { readonly kind: 'stale' };

export class PartitionTaskError extends Error {
  override readonly name = 'PartitionTaskError';
  readonly retriable = true;
}

/** The committed position is below the log start of `events`, and the policy says to fail. */
export class BelowLogStartError extends Error {
  override readonly name = 'BelowLogStartError';
  readonly retriable = false;
}

/**
 * The exactly-once unit: one input partition, its window states and a transactional producer whose id is stable
 * for the partition. Whoever owns the partition next initialises the same id, which fences this producer, so a
 * zombie can never commit after the partition moved (kafkajs sends no group generation with its offsets).
 */
export class PartitionTask {
  readonly partition: number;
  readonly transactionalId: string;
  private producer: Producer | undefined;
  private snapshot: PartitionSnapshot | undefined;
  /** True from a restore until the first commit: the state was just read, not carried over a rebalance. */
  private fresh = false;
  /** The position this task last asked the consumer to seek to. */
  private soughtTo: string | undefined;
  /** The batch in flight: batches of one partition run one after the other, even across a rebalance. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly props: PartitionTaskProps) {
    if (!Number.isInteger(props.partition) || props.partition < 0) {
      throw new PartitionTaskError(`'partition' must be a non-negative integer, got ${props.partition}`);
    }
    this.partition = props.partition;
    this.transactionalId = `${props.config.groupId}-${props.config.topics.events.name}-${props.partition}`;
  }

  /** True once the producer fenced the previous owner and the window state is restored. */
  get ready(): boolean {
    return this.producer !== undefined && this.snapshot !== undefined;
  }

  get hasProducer(): boolean {
    return this.producer !== undefined;
  }

  /** The next `events` offset of the committed state, when known. */
  get position(): string | null | undefined {
    return this.snapshot?.nextOffset;
  }

  /** Initialises the transactional producer; this fences the previous owner and aborts its open transaction. */
  async fence(): Promise<void> {
    if (this.producer) return;
    const producer = this.props.kafka.producer({
      transactionalId: this.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.props.config.transactionTimeoutMs,
      createPartitioner: sensorPartitioner(this.props.config.sensors),
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 10, maxRetryTime: 1_000 },
    });
    await producer.connect();
    const tx = await producer.transaction();
    await tx.abort();
    this.producer = producer;
  }

  restore(snapshot: PartitionSnapshot): void {
    this.snapshot = snapshot;
    this.fresh = true;
    this.soughtTo = undefined;
  }

  /** Closes the producer after the batch in flight, so that its transaction ends on its own terms. */
  close(): Promise<void> {
    const closed = this.turn.then(() => this.closeNow());
    this.turn = closed;
    return closed;
  }

  private async closeNow(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    this.snapshot = undefined;
    if (producer) await producer.disconnect().catch(() => undefined);
  }

  /** Where processing starts in `batch`, or what the caller must do first. */
  private async start(batch: Batch, next: bigint): Promise<BatchOutcome | bigint> {
    const first = BigInt(batch.messages[0]?.offset ?? '0');
    if (first <= next) return next;
    if (!this.fresh) return { kind: 'stale' };
    const logStart = BigInt(await this.props.logStart());
    if (next < logStart) {
      const where = `partition ${this.partition} of ${batch.topic}: the committed position ${next} is below the log start ${logStart}`;
      if (this.props.config.belowLogStart === 'fail') {
        throw new BelowLogStartError(
          `${where} (records deleted by retention or deleteRecords, or the topic recreated); set BELOW_LOG_START=log-start to go on from the log start and skip ${logStart - next} offsets`,
        );
      }
      this.props.metrics.skippedEvents.inc({ partition: String(this.partition) }, Number(logStart - next));
      return first;
    }
    if (this.soughtTo === String(next)) return first;
    this.soughtTo = String(next);
    return { kind: 'seek', offset: String(next) };
  }

  /**
   * Processes one fetched batch in one transaction: results, dead letters, changelog and the input offset. A kept
   * partition can get the same records again from the new generation's fetch while the old generation's batch is
   * still committing; taking turns makes the second call see the first one's position and skip what it did.
   */
  process(batch: Batch, now: () => number): Promise<BatchOutcome> {
    const run = this.turn.then(() => this.processNow(batch, now));
    this.turn = run.catch(() => undefined);
    return run;
  }

  private async processNow(batch: Batch, now: () => number): Promise<BatchOutcome> {
    const producer = this.producer;
    const snapshot = this.snapshot;
    if (!producer || !snapshot) throw new PartitionTaskError(`partition ${this.partition} is not restored`);
    const { config, metrics, limits } = this.props;
    if (batch.messages.length === 0) return { kind: 'committed', processed: 0, skipped: 0 };
    let messages = batch.messages;
    if (snapshot.nextOffset !== null) {
      const from = await this.start(batch, BigInt(snapshot.nextOffset));
      if (typeof from !== 'bigint') return from;
      if (BigInt(messages[0]?.offset ?? '0') < from) messages = messages.filter((m) => BigInt(m.offset) >= from);
    }
    const skipped = batch.messages.length - messages.length;
    const last = messages[messages.length - 1];
    if (!last) return { kind: 'committed', processed: 0, skipped };

    const states = new Map(snapshot.states);
    const touched = new Map<string, WindowState>();
    const results: Message[] = [];
    const deadLetters: Message[] = [];
    const reasons: string[] = [];
    const resultPartitions = config.topics.results.partitions;
    const dlqBudget = recordBudget(limits, config.topics.deadLetter.name);
    const dlqPartition = this.partition % config.topics.deadLetter.partitions;
    const at = now();
    for (const m of messages) {
      const parsed = parseEvent(m.value);
      if (!parsed.ok) {
        reasons.push(parsed.error.reason);
        const headers: IHeaders = {
          'dlq.reason': parsed.error.reason,
          'dlq.detail': parsed.error.message,
          'dlq.topic': batch.topic,
          'dlq.partition': String(batch.partition),
          'dlq.offset': m.offset,
        };
        const letter = fitDeadLetter({ key: m.key, value: m.value, headers: m.headers }, headers, dlqBudget);
        deadLetters.push({ ...letter, partition: dlqPartition });
        continue;
      }
      const { state, result } = applyEvent(states.get(parsed.event.sensor), parsed.event, config.windowSize, at);
      states.set(state.sensor, state);
      touched.set(state.sensor, state);
      if (result) {
        results.push({
          key: result.sensor,
          value: serializeResult(result),
          partition: sensorPartition(result.sensor, config.sensors, resultPartitions),
        });
      }
    }
    const nextOffset = (BigInt(last.offset) + 1n).toString();
    const topicMessages: TopicMessages[] = [];
    if (results.length > 0) topicMessages.push({ topic: config.topics.results.name, messages: results });
    if (deadLetters.length > 0) topicMessages.push({ topic: config.topics.deadLetter.name, messages: deadLetters });
    topicMessages.push({
      topic: config.topics.changelog.name,
      messages: changelogMessages(touched.values(), nextOffset).map((m) => ({ ...m, partition: this.partition })),
    });

    const tx = await producer.transaction();
    try {
      for (const request of splitRequests(limits, topicMessages)) await tx.sendBatch({ acks: -1, topicMessages: request });
      await tx.sendOffsets({
        consumerGroupId: config.groupId,
        topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: nextOffset }] }],
      });
      await tx.commit();
    } catch (e) {
      await tx.abort().catch(() => undefined);
      await this.closeNow();
      throw e;
    }
    this.snapshot = { states, nextOffset };
    this.fresh = false;
    metrics.eventsIn.inc(messages.length);
    metrics.windowsOut.inc(results.length);
    for (const reason of reasons) metrics.deadLetters.inc({ reason });
    metrics.processingLatency.observe(Math.max(0, now() - Number(last.timestamp)) / 1000);
    return { kind: 'committed', processed: messages.length, skipped };
  }
}
