import type { Admin, ConfigResourceTypes, IHeaders, Message, TopicMessages } from 'kafkajs';

/**
 * Kafka refuses a record batch larger than the topic's `max.message.bytes` (by default the broker's
 * `message.max.bytes`) with MESSAGE_TOO_LARGE, which no retry fixes. This module reads those limits from the
 * brokers and splits what a transaction writes into produce requests whose batches stay below them.
 */

/** Bytes of a record batch header (v2). */
export const BATCH_OVERHEAD = 61;
/** Upper bound of a record's own framing: length, attributes, timestamp and offset deltas, key and value lengths. */
const RECORD_OVERHEAD = 5 + 1 + 10 + 5 + 5 + 5 + 5;
/** Upper bound of the framing of one header. */
const HEADER_OVERHEAD = 10;

/** kafkajs's `ConfigResourceTypes` values; its CommonJS build does not expose the enum to ES module imports. */
const TOPIC = 2 as ConfigResourceTypes;
const BROKER = 4 as ConfigResourceTypes;

export class RecordLimitError extends Error {
  override readonly name = 'RecordLimitError';
  readonly retriable = false;
}

const length = (v: Buffer | string | null | undefined) =>
  v === null || v === undefined ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length;

function headerBytes(headers: IHeaders | undefined): number {
  let n = 0;
  for (const [k, v] of Object.entries(headers ?? {})) {
    for (const x of Array.isArray(v) ? v : [v]) n += HEADER_OVERHEAD + Buffer.byteLength(k) + length(x);
  }
  return n;
}

/** An upper bound of the bytes `m` takes in an uncompressed v2 record batch. */
export function recordBytes(m: Message): number {
  return RECORD_OVERHEAD + length(m.key) + length(m.value) + headerBytes(m.headers);
}

/** The effective `max.message.bytes` of each topic and the brokers' `message.max.bytes`, as the cluster reports them. */
export interface TopicLimits {
  readonly brokerMaxMessageBytes: number;
  readonly topics: ReadonlyMap<string, number>;
}

export async function readTopicLimits(admin: Admin, topics: readonly string[]): Promise<TopicLimits> {
  const cluster = await admin.describeCluster();
  const broker = cluster.brokers[0];
  if (!broker) throw new RecordLimitError('the cluster reports no broker');
  const response = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [
      { type: BROKER, name: String(broker.nodeId), configNames: ['message.max.bytes'] },
      ...topics.map((name) => ({ type: TOPIC, name, configNames: ['max.message.bytes'] })),
    ],
  });
  const value = (type: ConfigResourceTypes, name: string, key: string) => {
    const entry = response.resources
      .find((r) => r.resourceType === type && r.resourceName === name)
      ?.configEntries.find((e) => e.configName === key);
    const n = Number(entry?.configValue);
    if (!Number.isSafeInteger(n) || n <= BATCH_OVERHEAD) {
      throw new RecordLimitError(`cannot read '${key}' of ${name} from the brokers (got '${entry?.configValue}')`);
    }
    return n;
  };
  return {
    brokerMaxMessageBytes: value(BROKER, String(broker.nodeId), 'message.max.bytes'),
    topics: new Map(topics.map((t) => [t, value(TOPIC, t, 'max.message.bytes')])),
  };
}

/** The most record bytes one batch of `topic` may carry. */
export function recordBudget(limits: TopicLimits, topic: string): number {
  const max = limits.topics.get(topic);
  if (max === undefined) throw new RecordLimitError(`no size limit known for topic '${topic}'`);
  return max - BATCH_OVERHEAD;
}

/**
 * Splits messages that each carry an explicit partition into produce requests in which every topic-partition batch
 * fits its topic's limit. Order within a partition is kept. A single message above the limit throws: callers make
 * every message fit first (see {@link fitDeadLetter}).
 */
export function splitRequests(limits: TopicLimits, topicMessages: readonly TopicMessages[]): TopicMessages[][] {
  const requests: Map<string, Message[]>[] = [];
  for (const { topic, messages } of topicMessages) {
    const budget = recordBudget(limits, topic);
    const used = new Map<number, { request: number; bytes: number }>();
    for (const m of messages) {
      if (m.partition === undefined) throw new RecordLimitError(`a message to '${topic}' has no partition`);
      const bytes = recordBytes(m);
      if (bytes > budget) {
        throw new RecordLimitError(`a ${bytes}-byte record does not fit the ${budget + BATCH_OVERHEAD}-byte limit of '${topic}'`);
      }
      const at = used.get(m.partition) ?? { request: 0, bytes: 0 };
      if (at.bytes + bytes > budget) {
        at.request += 1;
        at.bytes = 0;
      }
      at.bytes += bytes;
      used.set(m.partition, at);
      const request = requests[at.request] ?? new Map<string, Message[]>();
      requests[at.request] = request;
      const list = request.get(topic) ?? [];
      list.push(m);
      request.set(topic, list);
    }
  }
  return requests.map((r) => [...r].map(([topic, messages]) => ({ topic, messages })));
}

/** Most key bytes a truncated dead letter keeps. */
const TRUNCATED_KEY = 1_024;

/**
 * The dead letter itself when it fits `budget` record bytes; otherwise a truncated copy: the key cut to 1 KiB, the
 * original headers dropped, the value cut to what fits, and `dlq.truncated` = the original value's byte length
 * (`dlq.*` headers kept).
 */
export function fitDeadLetter(letter: Message, dlqHeaders: IHeaders, budget: number): Message {
  const whole: Message = { ...letter, headers: { ...letter.headers, ...dlqHeaders } };
  if (recordBytes(whole) <= budget) return whole;
  const key = letter.key === null || letter.key === undefined ? letter.key : toBuffer(letter.key).subarray(0, TRUNCATED_KEY);
  const original = toBuffer(letter.value ?? Buffer.alloc(0));
  const headers: IHeaders = { ...dlqHeaders, 'dlq.truncated': String(original.length) };
  const room = budget - recordBytes({ key, value: null, headers });
  if (room < 0) throw new RecordLimitError(`a dead letter's headers alone exceed the ${budget}-byte record budget`);
  return { ...letter, key, value: original.subarray(0, room), headers };
}

const toBuffer = (v: Buffer | string) => (typeof v === 'string' ? Buffer.from(v) : v);
