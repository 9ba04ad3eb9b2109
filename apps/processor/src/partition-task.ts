import type { Batch, Kafka, Message, Producer } from 'kafkajs';
import { changelogMessages, type PartitionSnapshot } from './changelog.ts';
import type { ProcessorConfig } from './config.ts';
import { parseEvent } from './event.ts';
import type { ProcessorMetrics } from './metrics.ts';
import { applyEvent, serializeResult, type WindowState } from './window.ts';

export interface PartitionTaskProps {
  /** The client the task's transactional producer is made from. */
  readonly kafka: Kafka;
  readonly config: ProcessorConfig;
  /** The `events` partition this task owns while it is assigned. */
  readonly partition: number;
  readonly metrics: ProcessorMetrics;
}

/** What one committed batch did, for the caller's bookkeeping. */
export interface BatchOutcome {
  readonly processed: number;
  readonly skipped: number;
  /** Set when the consumer is ahead of or behind the committed position and must seek there. */
  readonly seekTo?: string;
}

export class PartitionTaskError extends Error {
  override readonly name = 'PartitionTaskError';
  readonly retriable = true;
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

  /** Initialises the transactional producer; this fences the previous owner and aborts its open transaction. */
  async fence(): Promise<void> {
    if (this.producer) return;
    const producer = this.props.kafka.producer({
      transactionalId: this.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.props.config.transactionTimeoutMs,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 10, maxRetryTime: 1_000 },
    });
    await producer.connect();
    const tx = await producer.transaction();
    await tx.abort();
    this.producer = producer;
  }

  restore(snapshot: PartitionSnapshot): void {
    this.snapshot = snapshot;
  }

  /** Forgets the state; the next batch needs a restore first. Keeps the producer when it is still valid. */
  invalidate(): void {
    this.snapshot = undefined;
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    this.snapshot = undefined;
    if (producer) await producer.disconnect().catch(() => undefined);
  }

  /** Processes one fetched batch in one transaction: results, dead letters, changelog and the input offset. */
  async process(batch: Batch, now: () => number): Promise<BatchOutcome> {
    const producer = this.producer;
    const snapshot = this.snapshot;
    if (!producer || !snapshot) throw new PartitionTaskError(`partition ${this.partition} is not restored`);
    const { config, metrics } = this.props;
    const first = batch.messages[0];
    if (!first) return { processed: 0, skipped: 0 };
    const next = snapshot.nextOffset === null ? null : BigInt(snapshot.nextOffset);
    if (next !== null && BigInt(first.offset) > next) return { processed: 0, skipped: 0, seekTo: snapshot.nextOffset ?? '0' };
    const messages =
      next === null || BigInt(first.offset) === next ? batch.messages : batch.messages.filter((m) => BigInt(m.offset) >= next);
    const skipped = batch.messages.length - messages.length;
    const last = messages[messages.length - 1];
    if (!last) return { processed: 0, skipped };

    const states = new Map(snapshot.states);
    const touched = new Map<string, WindowState>();
    const results: Message[] = [];
    const deadLetters: Message[] = [];
    const reasons: string[] = [];
    const at = now();
    for (const m of messages) {
      const parsed = parseEvent(m.value);
      if (!parsed.ok) {
        reasons.push(parsed.error.reason);
        deadLetters.push({
          key: m.key,
          value: m.value,
          headers: {
            ...m.headers,
            'dlq.reason': parsed.error.reason,
            'dlq.detail': parsed.error.message,
            'dlq.topic': batch.topic,
            'dlq.partition': String(batch.partition),
            'dlq.offset': m.offset,
          },
        });
        continue;
      }
      const { state, result } = applyEvent(states.get(parsed.event.sensor), parsed.event, config.windowSize, at);
      states.set(state.sensor, state);
      touched.set(state.sensor, state);
      if (result) results.push({ key: result.sensor, value: serializeResult(result) });
    }
    const nextOffset = (BigInt(last.offset) + 1n).toString();
    const topicMessages: { topic: string; messages: Message[] }[] = [
      {
        topic: config.topics.changelog.name,
        messages: changelogMessages(touched.values(), nextOffset).map((m) => ({ ...m, partition: this.partition })),
      },
    ];
    if (results.length > 0) topicMessages.push({ topic: config.topics.results.name, messages: results });
    if (deadLetters.length > 0) topicMessages.push({ topic: config.topics.deadLetter.name, messages: deadLetters });

    const tx = await producer.transaction();
    try {
      await tx.sendBatch({ acks: -1, topicMessages });
      await tx.sendOffsets({
        consumerGroupId: config.groupId,
        topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: nextOffset }] }],
      });
      await tx.commit();
    } catch (e) {
      await tx.abort().catch(() => undefined);
      await this.close();
      throw e;
    }
    this.snapshot = { states, nextOffset };
    metrics.eventsIn.inc(messages.length);
    metrics.windowsOut.inc(results.length);
    for (const reason of reasons) metrics.deadLetters.inc({ reason });
    metrics.consumerLag.set({ partition: String(batch.partition) }, Number(BigInt(batch.highWatermark) - BigInt(nextOffset)));
    metrics.processingLatency.observe(Math.max(0, now() - Number(last.timestamp)) / 1000);
    return { processed: messages.length, skipped };
  }
}
