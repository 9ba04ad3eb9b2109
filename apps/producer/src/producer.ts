import { sensorPartitioner } from '@stratus/config/sensor';
import type { Kafka, Producer } from 'kafkajs';
import { type EventGenerator, serializeEvent } from './events.ts';
import type { ProducerMetrics } from './metrics.ts';

export interface EventProducerProps {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly generator: EventGenerator;
  /** Events per second; 0 sends as fast as the broker acknowledges. */
  readonly rate: number;
  /** @default no metrics */
  readonly metrics?: ProducerMetrics;
  /** Most events in one produce request. @default 5000 */
  readonly maxBatch?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

export class EventProducerError extends Error {
  override readonly name = 'EventProducerError';
  readonly retriable = false;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sends generated events keyed by sensor, each sensor to the partition `sensorPartition` gives it (the generator's
 * sensor list spread over the partitions), idempotently with acks from all in-sync replicas, at a steady rate. */
export class EventProducer {
  private readonly producer: Producer;
  private readonly maxBatch: number;
  private readonly clock: () => number;
  private stopRequested = false;
  private connected = false;
  private failed: Error | undefined;

  constructor(private readonly props: EventProducerProps) {
    if (!(props.rate >= 0)) throw new EventProducerError(`'rate' must be 0 (unthrottled) or positive, got ${props.rate}`);
    this.maxBatch = props.maxBatch ?? 5_000;
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1) {
      throw new EventProducerError(`'maxBatch' must be a positive integer, got ${this.maxBatch}`);
    }
    this.clock = props.clock ?? Date.now;
    this.producer = props.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: sensorPartitioner(props.generator.sensors),
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 2_000 },
    });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  /** Connected and no send has failed for good (the client retries everything retriable itself). */
  get healthy(): boolean {
    return this.connected && this.failed === undefined;
  }

  /** Sends until `count` events are acknowledged or {@link stop} is called; resolves with the number sent. */
  async run(count?: number): Promise<number> {
    const { rate, topic, generator, metrics } = this.props;
    const started = this.clock();
    let sent = 0;
    while (!this.stopRequested && (count === undefined || sent < count)) {
      const due = rate === 0 ? this.maxBatch : Math.floor(((this.clock() - started) * rate) / 1000) - sent;
      if (due <= 0) {
        await sleep(Math.max(1, Math.ceil(((sent + 1) * 1000) / rate - (this.clock() - started))));
        continue;
      }
      const n = Math.min(due, this.maxBatch, count === undefined ? Number.POSITIVE_INFINITY : count - sent);
      const now = this.clock();
      const messages = Array.from({ length: n }, () => {
        const event = generator.next(now);
        return { key: event.sensor, value: serializeEvent(event) };
      });
      try {
        await this.producer.send({ topic, acks: -1, messages });
      } catch (e) {
        metrics?.errors.inc();
        this.failed = e as Error;
        throw e;
      }
      sent += n;
      metrics?.sent.inc(n);
    }
    return sent;
  }

  /** Asks {@link run} to return after the send in flight is acknowledged. */
  stop(): void {
    this.stopRequested = true;
  }

  async disconnect(): Promise<void> {
    this.connected = false;
    await this.producer.disconnect();
  }
}
