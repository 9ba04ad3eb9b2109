import { loadConfig, type StratusConfig } from '@stratus/config';

/** Everything the processor reads at start: `@stratus/config` (with `STRATUS_*` overrides) plus its own env. */
export interface ProcessorConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly topics: StratusConfig['stream']['topics'];
  readonly windowSize: number;
  readonly metricsPort: number;
  /** Longest a transaction may stay open before the broker aborts it. */
  readonly transactionTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** Longest a fetch waits for data; bounds the latency added when input is sparse. */
  readonly maxWaitTimeMs: number;
  readonly maxBytesPerPartition: number;
}

export class ProcessorConfigError extends Error {
  override readonly name = 'ProcessorConfigError';
  readonly retriable = false;
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ProcessorConfigError(`'${name}' must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return n;
}

export function processorConfig(env: NodeJS.ProcessEnv = process.env): ProcessorConfig {
  const config = loadConfig({ env });
  const brokers = (env.KAFKA_BROKERS ?? `${config.stream.kafka.service}:${config.stream.kafka.port}`)
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) throw new ProcessorConfigError("'KAFKA_BROKERS' must list at least one host:port");
  const topics = config.stream.topics;
  if (topics.changelog.partitions !== topics.events.partitions) {
    throw new ProcessorConfigError(
      `'stream.topics.changelog.partitions' must equal the partitions of ${topics.events.name} (${topics.events.partitions})`,
    );
  }
  const sessionTimeoutMs = intFrom(env, 'SESSION_TIMEOUT_MS', 10_000, 1_000, 300_000);
  return {
    brokers,
    clientId: env.HOSTNAME ?? 'processor',
    groupId: config.stream.consumerGroup,
    topics,
    windowSize: intFrom(env, 'WINDOW_SIZE', config.stream.windowSize, 1, 100_000),
    metricsPort: intFrom(env, 'METRICS_PORT', config.stream.processor.metricsPort, 0, 65_535),
    transactionTimeoutMs: intFrom(env, 'TRANSACTION_TIMEOUT_MS', 15_000, 1_000, 900_000),
    sessionTimeoutMs,
    heartbeatIntervalMs: intFrom(env, 'HEARTBEAT_INTERVAL_MS', Math.floor(sessionTimeoutMs / 5), 100, sessionTimeoutMs),
    maxWaitTimeMs: intFrom(env, 'MAX_WAIT_TIME_MS', 50, 0, 10_000),
    maxBytesPerPartition: intFrom(env, 'MAX_BYTES_PER_PARTITION', 1_048_576, 1_024, 64 * 1_048_576),
  };
}
