import type { StratusConfig } from '@stratus/config';
import { WorkerEnv, WorkerEnvError } from '@stratus/config/worker-env';

/**
 * What the processor does when its committed position is below the log start of `events` (records deleted by
 * retention or `deleteRecords`, or the topic recreated): `fail` exits non-zero naming the partition and both
 * offsets; `log-start` logs the gap, counts it in `processor_skipped_events_total` and goes on from the log start.
 */
export type BelowLogStartPolicy = 'fail' | 'log-start';

/** Everything the processor reads at start: `@stratus/config` (with `STRATUS_*` overrides) plus its own env. */
export interface ProcessorConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly topics: StratusConfig['stream']['topics'];
  /** The sensor list that decides each sensor's partition (see `@stratus/config/sensor`). */
  readonly sensors: readonly string[];
  readonly windowSize: number;
  readonly metricsPort: number;
  /** Longest a transaction may stay open before the broker aborts it. */
  readonly transactionTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** Longest a fetch waits for data; bounds the latency added when input is sparse. */
  readonly maxWaitTimeMs: number;
  readonly maxBytesPerPartition: number;
  readonly belowLogStart: BelowLogStartPolicy;
  /** How often the lag gauge is refreshed from the brokers' high watermarks. */
  readonly lagIntervalMs: number;
}

export function processorConfig(env: NodeJS.ProcessEnv = process.env): ProcessorConfig {
  const e = new WorkerEnv(env);
  const { stream } = e.config;
  const topics = stream.topics;
  if (topics.changelog.partitions !== topics.events.partitions) {
    throw new WorkerEnvError(
      `'stream.topics.changelog.partitions' must equal the partitions of ${topics.events.name} (${topics.events.partitions})`,
    );
  }
  const sessionTimeoutMs = e.number('SESSION_TIMEOUT_MS', { min: 1_000, max: 300_000 }) ?? 10_000;
  return {
    brokers: e.brokers(),
    clientId: e.clientId('processor'),
    groupId: stream.consumerGroup,
    topics,
    sensors: e.sensors(),
    windowSize: e.number('WINDOW_SIZE', { min: 1, max: 100_000 }) ?? stream.windowSize,
    metricsPort: e.number('METRICS_PORT', { min: 0, max: 65_535 }) ?? stream.processor.metricsPort,
    transactionTimeoutMs: e.number('TRANSACTION_TIMEOUT_MS', { min: 1_000, max: 900_000 }) ?? 15_000,
    sessionTimeoutMs,
    heartbeatIntervalMs:
      e.number('HEARTBEAT_INTERVAL_MS', { min: 100, max: sessionTimeoutMs }) ?? Math.floor(sessionTimeoutMs / 5),
    maxWaitTimeMs: e.number('MAX_WAIT_TIME_MS', { min: 0, max: 10_000 }) ?? 50,
    maxBytesPerPartition: e.number('MAX_BYTES_PER_PARTITION', { min: 1_024, max: 64 * 1_048_576 }) ?? 1_048_576,
    belowLogStart: e.choice('BELOW_LOG_START', ['fail', 'log-start'], 'fail'),
    lagIntervalMs: e.number('LAG_INTERVAL_MS', { min: 100, max: 600_000 }) ?? 5_000,
  };
}
