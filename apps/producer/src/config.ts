import { WorkerEnv } from '@stratus/config/worker-env';

/** Everything the producer reads at start: `@stratus/config` (with `STRATUS_*` overrides) plus its own env. */
export interface ProducerConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly topic: string;
  /** Sensor names; also the list that decides each sensor's partition (see `@stratus/config/sensor`). */
  readonly sensors: readonly string[];
  /** Events per second; 0 sends as fast as the broker takes them. */
  readonly rate: number;
  /** Events to send before exiting; undefined runs until SIGTERM. */
  readonly count: number | undefined;
  readonly seed: number;
  readonly metricsPort: number;
}

export function producerConfig(env: NodeJS.ProcessEnv = process.env): ProducerConfig {
  const e = new WorkerEnv(env);
  const { stream } = e.config;
  return {
    brokers: e.brokers(),
    clientId: e.clientId('producer'),
    topic: stream.topics.events.name,
    sensors: e.sensors(),
    rate: e.number('RATE', { min: 0, max: 1_000_000, integer: false }) ?? stream.producer.ratePerSecond,
    count: e.number('COUNT', { min: 1, max: Number.MAX_SAFE_INTEGER }),
    seed: e.number('SEED', { min: 0, max: 2 ** 32 - 1 }) ?? Date.now() % 2 ** 32,
    metricsPort: e.number('METRICS_PORT', { min: 0, max: 65_535 }) ?? stream.producer.metricsPort,
  };
}
