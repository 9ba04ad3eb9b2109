/**
 * The batch job's expected output, computed in plain TypeScript from the events a test produced: per sensor and
 * minute, hour or day the count, min, max and mean, and the windows of `size` events in Kafka order with their
 * averages. It shares no code with apps/lake-batch.
 */
export interface OracleEvent {
  readonly id: number;
  readonly sensor: string;
  readonly value: number;
  /** Event time, ms since the epoch. */
  readonly ts: number;
  readonly partition: number;
  readonly offset: number;
}

export interface OracleAggregate {
  readonly sensor: string;
  readonly periodStart: number;
  readonly events: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly windows: number;
}

export interface OracleWindow {
  readonly sensor: string;
  readonly seq: number;
  readonly avg: number;
  readonly firstId: number;
  readonly lastId: number;
  readonly toTs: number;
}

const GRAIN_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
export type OracleGrain = keyof typeof GRAIN_MS;

/** Full windows per sensor, average in cents rounded half to even (values carry at most 2 decimals). */
export function oracleWindows(events: readonly OracleEvent[], size: number): OracleWindow[] {
  const bySensor = new Map<string, OracleEvent[]>();
  for (const e of events) bySensor.set(e.sensor, [...(bySensor.get(e.sensor) ?? []), e]);
  const out: OracleWindow[] = [];
  for (const [sensor, list] of bySensor) {
    list.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
    for (let start = 0; start + size <= list.length; start += size) {
      const w = list.slice(start, start + size);
      const cents = w.reduce((s, e) => s + Math.round(e.value * 100), 0);
      const q = Math.floor(cents / size);
      const r = cents - q * size;
      const rounded = 2 * r > size || (2 * r === size && q % 2 === 1) ? q + 1 : q;
      out.push({
        sensor,
        seq: start / size + 1,
        avg: rounded / 100,
        firstId: (w[0] as OracleEvent).id,
        lastId: (w[size - 1] as OracleEvent).id,
        toTs: Math.max(...w.map((e) => e.ts)),
      });
    }
  }
  return out;
}

export function oracleAggregates(
  events: readonly OracleEvent[],
  size: number,
  grain: OracleGrain,
  from: number,
  to: number,
): OracleAggregate[] {
  const ms = GRAIN_MS[grain];
  const key = (sensor: string, ts: number) => `${sensor}|${Math.floor(ts / ms) * ms}`;
  const groups = new Map<string, OracleEvent[]>();
  for (const e of events) {
    if (e.ts < from || e.ts >= to) continue;
    const k = key(e.sensor, e.ts);
    groups.set(k, [...(groups.get(k) ?? []), e]);
  }
  const windows = new Map<string, number>();
  for (const w of oracleWindows(events, size)) {
    if (w.toTs < from || w.toTs >= to) continue;
    const k = key(w.sensor, w.toTs);
    windows.set(k, (windows.get(k) ?? 0) + 1);
  }
  return [...groups.entries()]
    .map(([k, list]) => {
      const [sensor = '', start = '0'] = k.split('|');
      const values = list.map((e) => e.value);
      return {
        sensor,
        periodStart: Number(start),
        events: list.length,
        min: Math.min(...values),
        max: Math.max(...values),
        mean: values.reduce((a, b) => a + b, 0) / values.length,
        windows: windows.get(k) ?? 0,
      };
    })
    .sort((a, b) => a.sensor.localeCompare(b.sensor) || a.periodStart - b.periodStart);
}
