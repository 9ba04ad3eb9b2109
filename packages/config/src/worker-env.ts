import { loadConfig, type StratusConfig } from './config.ts';
import { isSensorName, SENSOR_NAME_RULE } from './sensor.ts';

/**
 * The environment that the stream workers (producer, processor) read next to `STRATUS_*`: one parser for both, so
 * a variable means the same and fails the same way in each.
 */
export class WorkerEnvError extends Error {
  override readonly name = 'WorkerEnvError';
  readonly retriable = false;
}

export interface NumberRule {
  readonly min: number;
  readonly max: number;
  /** @default true */
  readonly integer?: boolean;
}

/** Reads the worker environment `env`, on top of the platform config loaded from the same environment. */
export class WorkerEnv {
  readonly config: StratusConfig;

  constructor(readonly env: NodeJS.ProcessEnv = process.env) {
    this.config = loadConfig({ env });
  }

  /** The number in `name`, or undefined when unset or empty; out of range or not a number throws naming it. */
  number(name: string, rule: NumberRule): number | undefined {
    const raw = this.env[name];
    if (raw === undefined || raw.trim() === '') return undefined;
    const integer = rule.integer ?? true;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < rule.min || n > rule.max || (integer && !Number.isInteger(n))) {
      throw new WorkerEnvError(
        `'${name}' must be ${integer ? 'an integer' : 'a number'} from ${rule.min} to ${rule.max}, got '${raw}'`,
      );
    }
    return n;
  }

  /** One of `choices`, or `fallback` when unset. */
  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!(choices as readonly string[]).includes(raw)) {
      throw new WorkerEnvError(`'${name}' must be one of ${choices.join(', ')}, got '${raw}'`);
    }
    return raw as T;
  }

  /** `KAFKA_BROKERS` as a list of host:port, by default the Kafka service of `stream.kafka`. */
  brokers(): string[] {
    const { service, port } = this.config.stream.kafka;
    const brokers = (this.env.KAFKA_BROKERS ?? `${service}:${port}`)
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    const bad = brokers.find((b) => !/^[^\s:]+:\d{1,5}$/.test(b));
    if (brokers.length === 0 || bad !== undefined) {
      throw new WorkerEnvError(`'KAFKA_BROKERS' must be a comma list of host:port, got '${this.env.KAFKA_BROKERS}'`);
    }
    return brokers;
  }

  /** `SENSORS` as a comma list, by default `stream.producer.sensors`. */
  sensors(): string[] {
    const raw = this.env.SENSORS;
    if (raw === undefined || raw.trim() === '') return [...this.config.stream.producer.sensors];
    const sensors = raw.split(',').map((s) => s.trim());
    const bad = sensors.find((s) => !isSensorName(s));
    if (bad !== undefined) {
      throw new WorkerEnvError(
        `'SENSORS' must be a comma list of sensor names (${SENSOR_NAME_RULE} each), got '${bad}' in '${raw}'`,
      );
    }
    if (new Set(sensors).size !== sensors.length) throw new WorkerEnvError(`'SENSORS' names a sensor twice: '${raw}'`);
    return sensors;
  }

  /** The client id: the pod's or host's name. */
  clientId(fallback: string): string {
    return this.env.HOSTNAME ?? fallback;
  }
}
