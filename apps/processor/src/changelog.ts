import type { Admin, Consumer, Kafka, KafkaMessage, Message } from 'kafkajs';
import { deserializeState, serializeState, type WindowState } from './window.ts';

/** The changelog key that holds the next input offset of the partition; sensor names cannot start with `@`. */
export const POSITION_KEY = '@position';

/** The state of one input partition as of its last committed transaction. */
export interface PartitionSnapshot {
  readonly states: Map<string, WindowState>;
  /** The next `events` offset to process; null when the partition was never processed. */
  readonly nextOffset: string | null;
}

export class ChangelogRestoreError extends Error {
  override readonly name = 'ChangelogRestoreError';
  readonly retriable = true;
}

/** The changelog records that one transaction writes for its input partition (changelog partition = input partition). */
export function changelogMessages(states: Iterable<WindowState>, nextOffset: string): Message[] {
  const messages: Message[] = [];
  for (const state of states) messages.push({ key: state.sensor, value: serializeState(state) });
  messages.push({ key: POSITION_KEY, value: JSON.stringify({ nextOffset }) });
  return messages;
}

interface MutableSnapshot {
  states: Map<string, WindowState>;
  nextOffset: string | null;
}

function applyRecord(snapshot: MutableSnapshot, key: string, value: Buffer | null): void {
  if (key === POSITION_KEY) {
    snapshot.nextOffset =
      value === null ? null : String((JSON.parse(value.toString('utf8')) as { nextOffset: string }).nextOffset);
  } else if (value === null) {
    snapshot.states.delete(key);
  } else {
    snapshot.states.set(key, deserializeState(value.toString('utf8')));
  }
}

export interface ChangelogReaderProps {
  readonly kafka: Kafka;
  readonly topic: string;
  /** The reader's own consumer group, one per processor instance for its lifetime, never one per restore. */
  readonly groupId: string;
  /** @default 60000 */
  readonly timeoutMs?: number;
  /** Called when the reader's consumer gives up for good. */
  readonly onFatal: (e: Error) => void;
}

interface Session {
  readonly snapshots: Map<number, MutableSnapshot>;
  readonly ends: Map<number, bigint>;
  readonly done: () => void;
  readonly fail: (e: Error) => void;
}

/**
 * Reads changelog partitions from their start to their end, committed records only. One consumer for the life of
 * the processor: it joins its own group once at start (so the broker's `group.initial.rebalance.delay.ms` is paid
 * once, not per restore), keeps every changelog partition paused, and a restore seeks the partitions it needs to
 * their log start, resumes them and pauses each again at its end. Call {@link restore} after the partitions'
 * transactional producers are initialised: that fences the previous owner and aborts its open transaction, so the
 * high watermark is also the end of committed data.
 */
export class ChangelogReader {
  private readonly consumer: Consumer;
  private session: Session | undefined;
  private joined: Promise<void>;
  private crashed: Error | undefined;
  private partitions: readonly number[] = [];

  constructor(private readonly props: ChangelogReaderProps) {
    this.consumer = props.kafka.consumer({
      groupId: props.groupId,
      readUncommitted: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 50,
      retry: { retries: 5 },
    });
    let joined: () => void = () => {};
    this.joined = new Promise<void>((resolve) => {
      joined = resolve;
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.partitions = payload.memberAssignment[props.topic] ?? [];
      this.pauseAll();
      this.session?.fail(new ChangelogRestoreError(`the changelog reader of ${props.topic} rejoined its group mid-restore`));
      joined();
    });
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) =>
      this.onBatchEnd(payload.partition, payload.lastOffset),
    );
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      const error = new ChangelogRestoreError(`reading ${props.topic}: ${payload.error.message}`);
      if (!payload.restart) {
        this.crashed = error;
        props.onFatal(error);
      }
      this.session?.fail(error);
    });
  }

  /** Joins the reader's group; resolves once its partitions are assigned (and paused). */
  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.props.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => this.onBatch(batch.partition, batch.messages),
    });
    await this.joined;
  }

  /**
   * Pauses every assigned partition by number: kafkajs forgets a whole-topic pause as soon as one partition is
   * paused or resumed on its own.
   */
  private pauseAll(): void {
    this.consumer.pause([{ topic: this.props.topic, partitions: [...this.partitions] }]);
  }

  async stop(): Promise<void> {
    this.session?.fail(new ChangelogRestoreError('the changelog reader stopped'));
    await this.consumer.disconnect();
  }

  private onBatch(partition: number, messages: KafkaMessage[]): void {
    const end = this.session?.ends.get(partition);
    const snapshot = this.session?.snapshots.get(partition);
    if (end === undefined || !snapshot) return;
    for (const m of messages) if (m.key && BigInt(m.offset) < end) applyRecord(snapshot, m.key.toString('utf8'), m.value);
  }

  /** Also called for batches of only control records or aborted data, which never reach `eachBatch`. */
  private onBatchEnd(partition: number, lastOffset: string): void {
    const session = this.session;
    const end = session?.ends.get(partition);
    if (!session || end === undefined) return;
    if (BigInt(lastOffset) + 1n >= end) {
      session.ends.delete(partition);
      this.consumer.pause([{ topic: this.props.topic, partitions: [partition] }]);
      if (session.ends.size === 0) session.done();
    }
  }

  /** The committed state of each partition; one restore at a time. */
  async restore(admin: Admin, partitions: readonly number[]): Promise<Map<number, PartitionSnapshot>> {
    if (this.crashed) throw this.crashed;
    if (this.session) throw new ChangelogRestoreError('a restore is already running');
    const { topic } = this.props;
    const snapshots = new Map<number, MutableSnapshot>(partitions.map((p) => [p, { states: new Map(), nextOffset: null }]));
    const ends = new Map<number, bigint>();
    const starts = new Map<number, string>();
    for (const o of await admin.fetchTopicOffsets(topic)) {
      if (snapshots.has(o.partition) && BigInt(o.high) > BigInt(o.low)) {
        ends.set(o.partition, BigInt(o.high));
        starts.set(o.partition, o.low);
      }
    }
    if (ends.size === 0) return snapshots;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((done, fail) => {
        this.session = { snapshots, ends, done, fail };
        timer = setTimeout(
          () => fail(new ChangelogRestoreError(`restoring ${topic} partitions ${[...ends.keys()].join(',')} took too long`)),
          this.props.timeoutMs ?? 60_000,
        );
        for (const [partition, offset] of starts) this.consumer.seek({ topic, partition, offset });
        this.consumer.resume([{ topic, partitions: [...starts.keys()] }]);
      });
    } finally {
      clearTimeout(timer);
      this.session = undefined;
      this.pauseAll();
    }
    return snapshots;
  }
}
