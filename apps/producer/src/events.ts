/** One sensor reading as the producer sends it. */
export interface SensorEvent {
  readonly id: number;
  readonly sensor: string;
  readonly value: number;
  readonly ts: number;
}

export class EventGeneratorError extends Error {
  override readonly name = 'EventGeneratorError';
  readonly retriable = false;
}

/** mulberry32: a small, fast, seeded PRNG with uniform output in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface EventGeneratorProps {
  /** Sensor names; each event picks one uniformly. */
  readonly sensors: readonly string[];
  /** Seed of the PRNG; the same seed gives the same sensors and values. */
  readonly seed: number;
  /** @default 1 */
  readonly firstId?: number;
}

/** Pure and deterministic: the n-th event depends only on the seed, the sensors and the timestamp given. */
export class EventGenerator {
  private readonly random: () => number;
  private nextId: number;

  constructor(private readonly props: EventGeneratorProps) {
    if (props.sensors.length === 0) throw new EventGeneratorError("'sensors' must name at least one sensor");
    if (!Number.isInteger(props.seed)) throw new EventGeneratorError(`'seed' must be an integer, got ${props.seed}`);
    const firstId = props.firstId ?? 1;
    if (!Number.isSafeInteger(firstId) || firstId < 0) throw new EventGeneratorError(`'firstId' must be a non-negative integer`);
    this.random = mulberry32(props.seed);
    this.nextId = firstId;
  }

  get sensors(): readonly string[] {
    return this.props.sensors;
  }

  /** The next event: a sensor chosen uniformly, a value uniform in 0..100 with 2 decimals, the id one higher. */
  next(ts: number): SensorEvent {
    const sensor = this.props.sensors[Math.floor(this.random() * this.props.sensors.length)] as string;
    const value = Math.floor(this.random() * 10_001) / 100;
    return { id: this.nextId++, sensor, value, ts };
  }
}

export function serializeEvent(event: SensorEvent): string {
  return JSON.stringify({ id: event.id, sensor: event.sensor, value: event.value, ts: event.ts });
}
