/** An event id: any non-negative integer, a bigint when it is above `Number.MAX_SAFE_INTEGER`. */
export type EventId = number | bigint;

/** One accepted sensor reading; `ts` is in epoch milliseconds. */
export interface SensorEvent {
  readonly id: EventId;
  readonly sensor: string;
  readonly value: number;
  readonly ts: number;
}

/** An exact decimal: `units / 10^scale`. */
export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

/** The open count window of one sensor, plus the sequence that fixes window boundaries on replay. */
export interface WindowState {
  readonly sensor: string;
  /** Events accepted for this sensor so far, across all windows. */
  readonly accepted: number;
  /** Sequence number of the open window, from 1. */
  readonly window: number;
  readonly count: number;
  /** Exact sum of the open window's values. */
  readonly sum: Decimal;
  readonly firstId: EventId | null;
  readonly lastId: EventId | null;
  readonly fromTs: number | null;
  readonly toTs: number | null;
}

/** A full window, as published to `results`. */
export interface WindowResult {
  readonly sensor: string;
  readonly avg: number;
  readonly count: number;
  readonly window: number;
  readonly firstId: EventId;
  readonly lastId: EventId;
  readonly fromTs: number;
  readonly toTs: number;
  readonly emittedAt: number;
}

export class WindowStateError extends Error {
  override readonly name = 'WindowStateError';
  readonly retriable = false;
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i;

/** Two different decimals of at most 15 significant digits never round to the same double. */
const MAX_DIGITS = 15;
const LIMIT = 10 ** MAX_DIGITS;
const POW10 = Array.from({ length: MAX_DIGITS + 1 }, (_, i) => 10 ** i);
const POW10N = POW10.map((p) => BigInt(p));

/**
 * The exact decimal that JavaScript prints for `n` (its shortest round-trip form). When `units / 10^scale` rounds to
 * `n` with at most 15 digits, no other decimal of at most 15 digits does, so that is the printed value; it is found
 * without printing. Anything else is printed and read back.
 */
export function toDecimal(n: number): Decimal {
  if (!Number.isFinite(n)) throw new WindowStateError(`a window value must be finite, got ${n}`);
  for (let scale = 0; scale <= MAX_DIGITS; scale++) {
    const p = POW10[scale] as number;
    const units = Math.round(n * p);
    if (Math.abs(units) >= LIMIT) break;
    if (units / p === n) return { units: BigInt(units), scale };
  }
  return parseDecimal(String(n));
}

export function parseDecimal(text: string): Decimal {
  const m = DECIMAL.exec(text);
  if (!m) throw new WindowStateError(`'${text}' is not a decimal number`);
  const [, sign, int = '0', frac = '', exp = '0'] = m;
  let digits = int + frac;
  let scale = frac.length - Number(exp);
  if (scale < 0) {
    digits += '0'.repeat(-scale);
    scale = 0;
  }
  const units = BigInt(digits);
  return { units: sign ? -units : units, scale };
}

function rescale(d: Decimal, scale: number): bigint {
  const by = scale - d.scale;
  return by === 0 ? d.units : d.units * (POW10N[by] ?? 10n ** BigInt(by));
}

export function addDecimal(a: Decimal, b: Decimal): Decimal {
  if (a.scale === b.scale) return { units: a.units + b.units, scale: a.scale };
  const scale = Math.max(a.scale, b.scale);
  return { units: rescale(a, scale) + rescale(b, scale), scale };
}

export function formatDecimal(d: Decimal): string {
  const negative = d.units < 0n;
  const digits = (negative ? -d.units : d.units).toString().padStart(d.scale + 1, '0');
  const int = digits.slice(0, digits.length - d.scale);
  const frac = digits.slice(digits.length - d.scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

/** `numerator / denominator` rounded to an integer, ties to even (Python's `round`). */
export function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new WindowStateError('the divisor must be positive');
  const negative = numerator < 0n;
  const n = negative ? -numerator : numerator;
  let q = n / denominator;
  const twice = (n % denominator) * 2n;
  if (twice > denominator || (twice === denominator && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

/** The mean of a window, rounded to 2 decimals with ties to even, computed exactly. */
export function average(sum: Decimal, count: number): number {
  const cents = divideHalfEven(sum.units * 100n, BigInt(count) * 10n ** BigInt(sum.scale));
  return Number(cents) / 100;
}

const ZERO: Decimal = { units: 0n, scale: 0 };

export function emptyWindow(sensor: string, accepted = 0, window = 1): WindowState {
  return { sensor, accepted, window, count: 0, sum: ZERO, firstId: null, lastId: null, fromTs: null, toTs: null };
}

export interface Applied {
  readonly state: WindowState;
  /** Set when this event filled the window. */
  readonly result?: WindowResult;
}

/** Adds one event to a sensor's window; the window that becomes full is emitted and a new one opened. */
export function applyEvent(previous: WindowState | undefined, event: SensorEvent, size: number, now: number): Applied {
  if (!Number.isInteger(size) || size < 1) throw new WindowStateError(`'size' must be an integer of at least 1, got ${size}`);
  const prev = previous ?? emptyWindow(event.sensor);
  if (prev.sensor !== event.sensor) {
    throw new WindowStateError(`an event of sensor '${event.sensor}' cannot go into the window of '${prev.sensor}'`);
  }
  const sum = addDecimal(prev.sum, toDecimal(event.value));
  const state: WindowState = {
    sensor: prev.sensor,
    accepted: prev.accepted + 1,
    window: prev.window,
    count: prev.count + 1,
    sum,
    firstId: prev.firstId ?? event.id,
    lastId: event.id,
    fromTs: prev.fromTs === null ? event.ts : Math.min(prev.fromTs, event.ts),
    toTs: prev.toTs === null ? event.ts : Math.max(prev.toTs, event.ts),
  };
  if (state.count < size) return { state };
  const result: WindowResult = {
    sensor: state.sensor,
    avg: average(sum, state.count),
    count: state.count,
    window: state.window,
    firstId: state.firstId ?? event.id,
    lastId: event.id,
    fromTs: state.fromTs ?? event.ts,
    toTs: state.toTs ?? event.ts,
    emittedAt: now,
  };
  return { state: emptyWindow(state.sensor, state.accepted, state.window + 1), result };
}

const STATE_KEYS = ['sensor', 'accepted', 'window', 'count', 'sum', 'firstId', 'lastId', 'fromTs', 'toTs'] as const;

/** Ids above the safe integers are stored as digit strings, so the changelog keeps them exact. */
export function serializeState(state: WindowState): string {
  return JSON.stringify(
    Object.fromEntries(
      STATE_KEYS.map((k) => {
        const v = k === 'sum' ? formatDecimal(state.sum) : state[k];
        return [k, typeof v === 'bigint' ? v.toString() : v];
      }),
    ),
  );
}

const nullableInt = (v: unknown) => v === null || Number.isSafeInteger(v);
const nullableId = (v: unknown) => nullableInt(v) || (typeof v === 'string' && /^\d+$/.test(v));
const storedId = (v: unknown): EventId | null => (typeof v === 'string' ? BigInt(v) : (v as number | null));

export function deserializeState(text: string): WindowState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new WindowStateError('a stored window state is not JSON');
  }
  const r = raw as Record<string, unknown>;
  const valid =
    typeof raw === 'object' &&
    raw !== null &&
    typeof r.sensor === 'string' &&
    Number.isSafeInteger(r.accepted) &&
    Number.isSafeInteger(r.window) &&
    Number.isSafeInteger(r.count) &&
    typeof r.sum === 'string' &&
    DECIMAL.test(r.sum) &&
    [r.fromTs, r.toTs].every(nullableInt) &&
    [r.firstId, r.lastId].every(nullableId);
  if (!valid) throw new WindowStateError(`a stored window state has the wrong shape: ${text.slice(0, 200)}`);
  return {
    ...(r as unknown as WindowState),
    sum: parseDecimal(r.sum as string),
    firstId: storedId(r.firstId),
    lastId: storedId(r.lastId),
  };
}

/** The `results` JSON; ids are JSON integers of any size. */
export function serializeResult(r: WindowResult): string {
  return (
    `{"sensor":${JSON.stringify(r.sensor)},"avg":${r.avg},"count":${r.count},"window":${r.window},` +
    `"firstId":${r.firstId},"lastId":${r.lastId},"fromTs":${r.fromTs},"toTs":${r.toTs},"emittedAt":${r.emittedAt}}`
  );
}
