import { randomUUID } from 'node:crypto';
import type { Kafka, Message } from 'kafkajs';
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

export interface RestoreOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly partitions: readonly number[];
  /** Prefix of the throwaway consumer group that reads the changelog. */
  readonly groupPrefix: string;
  /** @default 60000 */
  readonly timeoutMs?: number;
}

/**
 * Reads the given changelog partitions from the start to their end, committed records only. Call it after the
 * partitions' transactional producers are initialised: that fences the previous owner and aborts its open
 * transaction, so the high watermark is also the end of committed data.
 */
export async function restoreChangelog(options: RestoreOptions): Promise<Map<number, PartitionSnapshot>> {
  const { kafka, topic, partitions } = options;
  const snapshots = new Map<number, MutableSnapshot>(partitions.map((p) => [p, { states: new Map(), nextOffset: null }]));
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const o of await admin.fetchTopicOffsets(topic)) {
      if (snapshots.has(o.partition) && BigInt(o.high) > BigInt(o.low)) ends.set(o.partition, BigInt(o.high));
    }
  } finally {
    await admin.disconnect();
  }
  if (ends.size === 0) return snapshots;

  const consumer = kafka.consumer({
    groupId: `${options.groupPrefix}-restore-${randomUUID()}`,
    readUncommitted: false,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 50,
    retry: { retries: 5 },
  });
  const pending = new Set(ends.keys());
  let finish: () => void = () => {};
  let fail: (e: Error) => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const end = ends.get(payload.partition);
    if (payload.topic === topic && end !== undefined && BigInt(payload.lastOffset) + 1n >= end) {
      pending.delete(payload.partition);
      if (pending.size === 0) finish();
    }
  });
  consumer.on(consumer.events.CRASH, ({ payload }) =>
    fail(new ChangelogRestoreError(`restoring ${topic}: ${payload.error.message}`)),
  );
  const timer = setTimeout(
    () => fail(new ChangelogRestoreError(`restoring ${topic} partitions ${[...pending].join(',')} took too long`)),
    options.timeoutMs ?? 60_000,
  );
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const snapshot = snapshots.get(batch.partition);
        if (!snapshot || !pending.has(batch.partition)) return;
        for (const m of batch.messages) if (m.key) applyRecord(snapshot, m.key.toString('utf8'), m.value);
      },
    });
    await done;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return snapshots;
}
