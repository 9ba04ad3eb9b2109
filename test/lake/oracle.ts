import type { SensorEvent } from '../../apps/producer/src/events.ts';
import { type ExpectedWindow, expectedWindows } from '../stream/oracle.ts';
import type { TableRead } from './harness.ts';

type EventRow = Record<'id' | 'sensor' | 'value' | 'ts', number | string>;

/**
 * Events by id, then sensor and time: ids are unique within one producer run only (a restarted producer pod counts
 * from 1 again), so the id alone does not order them.
 */
const byEvent = (a: EventRow, b: EventRow) =>
  Number(a.id) - Number(b.id) ||
  String(a.sensor).localeCompare(String(b.sensor)) ||
  Number(a.ts) - Number(b.ts) ||
  Number(a.value) - Number(b.value);

/** The `events` rows the lake must hold: each produced valid event once. */
export function expectedEventRows(events: readonly SensorEvent[]) {
  return events.map((e) => ({ id: e.id, sensor: e.sensor, value: e.value, ts: e.ts })).sort(byEvent);
}

/** A window in the lake's column names. */
export function windowRow(w: ExpectedWindow) {
  return {
    sensor: w.sensor,
    window_seq: w.window,
    avg: w.avg,
    count: w.count,
    first_id: w.firstId,
    last_id: w.lastId,
    from_ts: w.fromTs,
    to_ts: w.toTs,
  };
}

/** The `windows` rows the lake must hold: the stream oracle's windows, in the lake's column names. */
export function expectedWindowRows(events: readonly SensorEvent[], size: number) {
  return expectedWindows(events, size).map(windowRow);
}

const pick = <K extends string>(row: Record<string, number | string>, keys: readonly K[]) =>
  Object.fromEntries(keys.map((k) => [k, row[k]])) as Record<K, number | string>;

/** The lake's `events` rows in the oracle's shape and order (duplicates stay, to be seen). */
export function eventRows(table: TableRead) {
  return table.rows.map((r) => pick(r, ['id', 'sensor', 'value', 'ts'] as const)).sort(byEvent);
}

/** Windows by sensor, then window number. */
export const byWindow = (a: { sensor: string | number; window_seq: string | number }, b: typeof a) =>
  a.sensor === b.sensor ? Number(a.window_seq) - Number(b.window_seq) : String(a.sensor) < String(b.sensor) ? -1 : 1;

/** The lake's `windows` rows in the oracle's shape, sorted by sensor and window number. */
export function windowRows(table: TableRead) {
  const keys = ['sensor', 'window_seq', 'avg', 'count', 'first_id', 'last_id', 'from_ts', 'to_ts'] as const;
  return table.rows.map((r) => pick(r, keys)).sort(byWindow);
}

/** Source positions that occur more than once: any is a duplicate the archiver let through. */
export function duplicateSources(table: TableRead): string[] {
  const seen = new Set<string>();
  const dups: string[] = [];
  for (const r of table.rows) {
    const k = `${r.kafka_partition}@${r.kafka_offset}`;
    if (seen.has(k)) dups.push(k);
    seen.add(k);
  }
  return dups;
}
