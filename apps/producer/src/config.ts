import { loadConfig } from '@stratus/config';

/** Everything the producer reads at start: `@stratus/config` (with `STRATUS_*` overrides) plus its own env. */
export interface ProducerConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly topic: string;
  readonly sensors: readonly string[];
  /** Events per second; 0 sends as fast as the broker takes them. */
  readonly rate: number;
  /** Events to send before exiting; undefined runs until SIGTERM. */
  readonly count: number | undefined;
  readonly seed: number;
  readonly metricsPort: number;
}

export class ProducerConfigError extends Error {
  override readonly name = 'ProducerConfigError';
  readonly retriable = false;
}

function numberFrom(env: NodeJS.ProcessEnv, name: string, min: number, max: number, integer: boolean): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new ProducerConfigError(`'${name}' must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got '${raw}'`);
  }
  return n;
}

export function producerConfig(env: NodeJS.ProcessEnv = process.env): ProducerConfig {
  const config = loadConfig({ env });
  const brokers = (env.KAFKA_BROKERS ?? `${config.stream.kafka.service}:${config.stream.kafka.port}`)
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) throw new ProducerConfigError("'KAFKA_BROKERS' must list at least one host:port");
  const sensors = env.SENSORS ? env.SENSORS.split(',').map((s) => s.trim()) : config.stream.producer.sensors;
  const bad = sensors.find((s) => !/^[A-Za-z0-9_.-]{1,64}$/.test(s));
  if (bad !== undefined || sensors.length === 0) {
    throw new ProducerConfigError(
      `'SENSORS' must be a comma list of names (letters, digits, ".", "_", "-"), got '${env.SENSORS}'`,
    );
  }
  return {
    brokers,
    clientId: env.HOSTNAME ?? 'producer',
    topic: config.stream.topics.events.name,
    sensors,
    rate: numberFrom(env, 'RATE', 0, 1_000_000, false) ?? config.stream.producer.ratePerSecond,
    count: numberFrom(env, 'COUNT', 1, Number.MAX_SAFE_INTEGER, true),
    seed: numberFrom(env, 'SEED', 0, 2 ** 32 - 1, true) ?? Date.now() % 2 ** 32,
    metricsPort: numberFrom(env, 'METRICS_PORT', 0, 65_535, true) ?? config.stream.producer.metricsPort,
  };
}
