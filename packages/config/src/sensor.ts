/**
 * What a sensor name is, and which `events` partition a sensor's readings go to. The config schema, the producer and
 * the processor all use these, so they cannot disagree.
 */

/** 1 to 64 letters, digits, ".", "_" or "-"; never starts with "@" (the processor's changelog keeps `@position`). */
export const SENSOR_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export const SENSOR_NAME_RULE = '1 to 64 letters, digits, ".", "_" or "-"';

export function isSensorName(name: string): boolean {
  return SENSOR_NAME.test(name);
}

/** Kafka's murmur2 (the Java client's and kafkajs's default key hash), as a non-negative 31-bit integer. */
export function murmur2(key: Buffer): number {
  const m = 0x5bd1e995;
  const length = key.length;
  let h = (0x9747b28c ^ length) | 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = (key[i] as number) | ((key[i + 1] as number) << 8) | ((key[i + 2] as number) << 16) | ((key[i + 3] as number) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= (key[whole + 2] as number) << 16;
  if (rest >= 2) h ^= (key[whole + 1] as number) << 8;
  if (rest >= 1) {
    h ^= key[whole] as number;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h & 0x7fffffff;
}

/**
 * The partition of a sensor: a sensor named in `sensors` (the configured list, `stream.producer.sensors`) goes to
 * its position in the list modulo `partitions`, so any list spreads evenly (partition loads differ by at most one
 * sensor); any other sensor goes where Kafka's default partitioner puts its key (murmur2). Each sensor always maps
 * to one partition, which keeps its readings in order. Appending sensors to the list moves none of the others.
 */
export function sensorPartition(sensor: string, sensors: readonly string[], partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`'partitions' must be a positive integer, got ${partitions}`);
  }
  const index = sensors.indexOf(sensor);
  return index >= 0 ? index % partitions : murmur2(Buffer.from(sensor, 'utf8')) % partitions;
}

/** The slice of a kafkajs partitioner call that {@link sensorPartitioner} reads. */
export interface PartitionerArgs {
  readonly partitionMetadata: readonly unknown[];
  readonly message: { readonly key?: Buffer | string | null; readonly partition?: number };
}

/**
 * A kafkajs `createPartitioner` for messages keyed by sensor: `producer({ createPartitioner: sensorPartitioner(list) })`.
 * A message's own `partition` wins, as with kafkajs's default partitioner; messages without a key go to partition 0.
 */
export function sensorPartitioner(sensors: readonly string[]): () => (args: PartitionerArgs) => number {
  return () =>
    ({ partitionMetadata, message }) => {
      if (message.partition !== undefined && message.partition !== null) return message.partition;
      if (message.key === undefined || message.key === null) return 0;
      return sensorPartition(String(message.key), sensors, partitionMetadata.length);
    };
}
