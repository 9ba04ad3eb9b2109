import { parseEvent } from '@stratus/processor/event';

/** Where a row came from: its Kafka partition, offset and timestamp (epoch ms). */
export interface Source {
  readonly partition: number;
  readonly offset: bigint;
  readonly timestamp: number;
}

/** One row of the `events` table, before the archiver stamps `ingested_at`. */
export interface EventRow extends Source {
  readonly id: number;
  readonly sensor: string;
  readonly value: number;
  readonly ts: number;
}

/** One row of the `windows` table, before the archiver stamps `ingested_at`. */
export interface WindowRow extends Source {
  readonly sensor: string;
  readonly windowSeq: number;
  readonly avg: number;
  readonly count: number;
  readonly firstId: number;
  readonly lastId: number;
  readonly fromTs: number;
  readonly toTs: number;
  readonly emittedAt: number;
}

/** Why a message was kept out of the tables. */
export type RejectReason =
  | 'invalid-json'
  | 'not-an-object'
  | 'missing-field'
  | 'invalid-field'
  | 'non-numeric-value'
  | 'non-finite-value';

export type Parsed<T> =
  | { readonly ok: true; readonly row: T }
  | { readonly ok: false; readonly reason: RejectReason; readonly message: string };

/** An `events` message becomes a row exactly when the processor accepts it; the rest it has dead-lettered. */
export function parseEventRow(value: Buffer | null, source: Source): Parsed<EventRow> {
  const parsed = parseEvent(value);
  if (!parsed.ok) return { ok: false, reason: parsed.error.reason, message: parsed.error.message };
  return { ok: true, row: { ...source, ...parsed.event } };
}

const SENSOR = /^[A-Za-z0-9_.-]{1,64}$/;
const WINDOW_FIELDS = ['sensor', 'avg', 'count', 'window', 'firstId', 'lastId', 'fromTs', 'toTs', 'emittedAt'] as const;

const reject = (reason: RejectReason, message: string): Parsed<never> => ({ ok: false, reason, message });
const nonNegativeInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** A `results` message, as the processor's `serializeResult` writes it; any other shape is schema drift. */
export function parseWindowRow(value: Buffer | null, source: Source): Parsed<WindowRow> {
  if (value === null || value.length === 0) return reject('invalid-json', 'the message has no value');
  let raw: unknown;
  try {
    raw = JSON.parse(value.toString('utf8'));
  } catch (e) {
    return reject('invalid-json', (e as Error).message);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return reject('not-an-object', 'a result must be a JSON object');
  const r = raw as Record<string, unknown>;
  const missing = WINDOW_FIELDS.filter((k) => r[k] === undefined || r[k] === null);
  if (missing.length > 0) return reject('missing-field', `missing ${missing.join(', ')}`);
  if (typeof r.sensor !== 'string' || !SENSOR.test(r.sensor)) return reject('invalid-field', 'sensor must be a sensor name');
  if (typeof r.avg !== 'number') return reject('non-numeric-value', `avg must be a JSON number, got ${typeof r.avg}`);
  if (!Number.isFinite(r.avg)) return reject('non-finite-value', 'avg must be finite');
  if (!Number.isSafeInteger(r.count) || (r.count as number) < 1 || (r.count as number) > 2_147_483_647) {
    return reject('invalid-field', 'count must be a positive 32-bit integer');
  }
  if (!Number.isSafeInteger(r.window) || (r.window as number) < 1)
    return reject('invalid-field', 'window must be a positive integer');
  for (const k of ['firstId', 'lastId', 'fromTs', 'toTs', 'emittedAt'] as const) {
    if (!nonNegativeInt(r[k])) return reject('invalid-field', `${k} must be a non-negative integer`);
  }
  if ((r.fromTs as number) > (r.toTs as number)) return reject('invalid-field', 'fromTs must not be after toTs');
  return {
    ok: true,
    row: {
      ...source,
      sensor: r.sensor,
      windowSeq: r.window as number,
      avg: r.avg,
      count: r.count as number,
      firstId: r.firstId as number,
      lastId: r.lastId as number,
      fromTs: r.fromTs as number,
      toTs: r.toTs as number,
      emittedAt: r.emittedAt as number,
    },
  };
}
