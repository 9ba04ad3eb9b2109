import type { EventRow, Parsed, RejectReason, WindowRow } from './rows.ts';

/** The offsets `[start, next)` of one source partition that a batch covers. */
export interface PositionRange {
  readonly topic: string;
  readonly partition: number;
  /** The lake's position when the batch began: its commit is refused unless the lake still says this. */
  readonly start: bigint;
  next: bigint;
}

export class BatchError extends Error {
  override readonly name = 'BatchError';
  readonly retriable = false;
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * The rows read since the last commit and the source offsets they cover, rejected messages included (they are
 * consumed too). Pure: the clock is passed in.
 */
export class Batch {
  readonly events: EventRow[] = [];
  readonly windows: WindowRow[] = [];
  private readonly ranges = new Map<string, PositionRange>();
  private messageCount = 0;
  private firstAt: number | undefined;

  /** Messages in the batch, rows and rejected ones. */
  get messages(): number {
    return this.messageCount;
  }

  /** No message read and no offset passed since the last commit. */
  get empty(): boolean {
    return this.ranges.size === 0;
  }

  /** When the oldest message of the batch was read (epoch ms), if any. */
  get oldestAt(): number | undefined {
    return this.firstAt;
  }

  positions(): PositionRange[] {
    return [...this.ranges.values()];
  }

  /** The next offset of a partition in this batch, if the batch has any of its messages. */
  nextOffset(topic: string, partition: number): bigint | undefined {
    return this.ranges.get(key(topic, partition))?.next;
  }

  /**
   * Records that the message at `offset` was read. `start` is the lake's position of the partition, used when the
   * partition enters the batch; offsets must be at least `start` and increase.
   */
  consume(topic: string, partition: number, offset: bigint, start: bigint, now: number): void {
    const range = this.range(topic, partition, start, now);
    if (offset < range.next) {
      throw new BatchError(`offset ${offset} of ${topic}/${partition} is below the batch's next offset ${range.next}`);
    }
    range.next = offset + 1n;
    this.messageCount++;
  }

  /**
   * Moves a partition's next offset up to `next` without a message: past the records a read_committed consumer
   * never sees (transaction markers, aborted messages), so that the position reaches the end of the partition.
   */
  pass(topic: string, partition: number, next: bigint, start: bigint, now: number): void {
    if (next <= (this.ranges.get(key(topic, partition))?.next ?? start)) return;
    this.range(topic, partition, start, now).next = next;
  }

  private range(topic: string, partition: number, start: bigint, now: number): PositionRange {
    const k = key(topic, partition);
    let range = this.ranges.get(k);
    if (!range) {
      range = { topic, partition, start, next: start };
      this.ranges.set(k, range);
    }
    this.firstAt ??= now;
    return range;
  }

  /** Adds a parsed `events` message's row; returns why it was rejected, if it was. */
  addEvent(parsed: Parsed<EventRow>): RejectReason | undefined {
    if (!parsed.ok) return parsed.reason;
    this.events.push(parsed.row);
    return undefined;
  }

  /** Adds a parsed `results` message's row; returns why it was rejected, if it was. */
  addWindow(parsed: Parsed<WindowRow>): RejectReason | undefined {
    if (!parsed.ok) return parsed.reason;
    this.windows.push(parsed.row);
    return undefined;
  }

  /** Full by size, or its oldest message has waited the interval. */
  due(now: number, flushRows: number, flushIntervalMs: number): boolean {
    if (this.firstAt === undefined) return false;
    return this.messageCount >= flushRows || now - this.firstAt >= flushIntervalMs;
  }

  /** Milliseconds until the batch is due by time, if it has messages. */
  dueIn(now: number, flushIntervalMs: number): number | undefined {
    return this.firstAt === undefined ? undefined : Math.max(0, this.firstAt + flushIntervalMs - now);
  }
}
