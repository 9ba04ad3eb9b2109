import type { SensorEvent } from './window.ts';

/**
 * A byte scanner for events as producers of this kind of data write them: one JSON object with exactly the keys
 * `id`, `sensor`, `value` and `ts`, in any order, with any JSON whitespace, numbers of at most 15 digits without an
 * exponent and a sensor name without escapes. It accepts only input that `JSON.parse` plus the event validation
 * would accept with the same result, and returns undefined for everything else, which then takes the general path.
 */

/** Integers of up to 15 digits are safe, and so is dividing them by a power of ten up to 10^22 (one rounding). */
const MAX_DIGITS = 15;
const POW10 = Array.from({ length: MAX_DIGITS + 1 }, (_, i) => 10 ** i);

const ZERO = 0x30;
const NINE = 0x39;
const MINUS = 0x2d;
const DOT = 0x2e;
const QUOTE = 0x22;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const EXP = 0x65;
const EXP_UPPER = 0x45;
const MAX_SENSOR = 64;

/** JSON's whitespace: space, tab, line feed, carriage return. */
const SPACE = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0a, 0x0d]) SPACE[c] = 1;

/** `[A-Za-z0-9_.-]`, the characters of a sensor name, by byte. */
const SENSOR_BYTE = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-') SENSOR_BYTE[c.charCodeAt(0)] = 1;

const isDigit = (c: number | undefined) => c !== undefined && c >= ZERO && c <= NINE;

/**
 * Epoch seconds (below 10^11, that is before the year 5138) or epoch milliseconds (from 10^11, after March 1973) as
 * whole milliseconds, rounded half to even. `units / 10^scale` is the decimal as written.
 */
export const SECONDS_BELOW = 1e11;

/** Milliseconds of `units / 10^scale` read as seconds or milliseconds; -1 when the result would not be safe. */
function tsMillis(units: number, scale: number): number {
  const value = units / (POW10[scale] as number);
  const shift = value < SECONDS_BELOW ? 3 : 0;
  if (scale <= shift) {
    const ms = units * (POW10[shift - scale] as number);
    return Number.isSafeInteger(ms) ? ms : -1;
  }
  const divisor = POW10[scale - shift] as number;
  const q = Math.floor(units / divisor);
  const twice = (units - q * divisor) * 2;
  return twice > divisor || (twice === divisor && q % 2 === 1) ? q + 1 : q;
}

class Cursor {
  pos = 0;
  units = 0;
  scale = 0;
  constructor(readonly bytes: Buffer) {}

  space(): number | undefined {
    const { bytes } = this;
    while (SPACE[bytes[this.pos] as number] === 1) this.pos++;
    return bytes[this.pos];
  }

  /** Reads JSON integer digits (no leading zero except `0` itself) into `units`; returns how many, 0 when invalid. */
  digits(): number {
    const { bytes } = this;
    const start = this.pos;
    let units = 0;
    let c = bytes[this.pos];
    while (isDigit(c)) {
      units = units * 10 + ((c as number) - ZERO);
      c = bytes[++this.pos];
    }
    const count = this.pos - start;
    if (count > 1 && bytes[start] === ZERO) return 0;
    this.units = units;
    return count;
  }

  /** A non-negative JSON integer of at most 15 digits, else -1. */
  uint(): number {
    const count = this.digits();
    const c = this.bytes[this.pos];
    return count === 0 || count > MAX_DIGITS || c === DOT || c === EXP || c === EXP_UPPER ? -1 : this.units;
  }

  /** A JSON number without exponent and with at most 15 digits into `units` and `scale`; false otherwise. */
  decimal(): boolean {
    const { bytes } = this;
    const count = this.digits();
    if (count === 0) return false;
    let units = this.units;
    let scale = 0;
    if (bytes[this.pos] === DOT) {
      this.pos++;
      let c = bytes[this.pos];
      while (isDigit(c)) {
        units = units * 10 + ((c as number) - ZERO);
        scale++;
        c = bytes[++this.pos];
      }
      if (scale === 0) return false;
    }
    const c = bytes[this.pos];
    if (count + scale > MAX_DIGITS || c === EXP || c === EXP_UPPER) return false;
    this.units = units;
    this.scale = scale;
    return true;
  }

  /** A JSON number as `JSON.parse` reads it, when {@link decimal} can read it. */
  number(): number | undefined {
    const negative = this.bytes[this.pos] === MINUS;
    if (negative) this.pos++;
    if (!this.decimal()) return undefined;
    const value = this.units / (POW10[this.scale] as number);
    return negative ? -value : value;
  }

  /** The contents of a string of sensor-name bytes; the cursor is past its closing quote. */
  sensor(): string | undefined {
    const { bytes } = this;
    if (bytes[this.pos] !== QUOTE) return undefined;
    const start = ++this.pos;
    while (SENSOR_BYTE[bytes[this.pos] as number] === 1) this.pos++;
    const length = this.pos - start;
    if (length === 0 || length > MAX_SENSOR || bytes[this.pos] !== QUOTE) return undefined;
    this.pos++;
    return bytes.toString('latin1', start, start + length);
  }

  /** Which of the four keys the string at the cursor is (1 id, 2 sensor, 3 value, 4 ts), 0 for anything else. */
  key(): number {
    const { bytes, pos } = this;
    if (bytes[pos] !== QUOTE) return 0;
    const a = bytes[pos + 1];
    const b = bytes[pos + 2];
    const c = bytes[pos + 3];
    if (a === 0x69 && b === 0x64 && c === QUOTE) {
      this.pos = pos + 4;
      return 1;
    }
    if (a === 0x74 && b === 0x73 && c === QUOTE) {
      this.pos = pos + 4;
      return 4;
    }
    if (
      a === 0x76 &&
      b === 0x61 &&
      c === 0x6c &&
      bytes[pos + 4] === 0x75 &&
      bytes[pos + 5] === 0x65 &&
      bytes[pos + 6] === QUOTE
    ) {
      this.pos = pos + 7;
      return 3;
    }
    if (
      a === 0x73 &&
      b === 0x65 &&
      c === 0x6e &&
      bytes[pos + 4] === 0x73 &&
      bytes[pos + 5] === 0x6f &&
      bytes[pos + 6] === 0x72 &&
      bytes[pos + 7] === QUOTE
    ) {
      this.pos = pos + 8;
      return 2;
    }
    return 0;
  }
}

const ID = Buffer.from('{"id":');
const SENSOR = Buffer.from(',"sensor":');
const VALUE = Buffer.from(',"value":');
const TS = Buffer.from(',"ts":');

function literal(cur: Cursor, expected: Buffer): boolean {
  const { bytes, pos } = cur;
  if (pos + expected.length > bytes.length) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[pos + i] !== expected[i]) return false;
  cur.pos = pos + expected.length;
  return true;
}

/** The producer's own compact shape, `{"id":1,"sensor":"A","value":12.5,"ts":1700000000000}`, read by literals. */
function scanCompact(bytes: Buffer): SensorEvent | undefined {
  const cur = new Cursor(bytes);
  if (!literal(cur, ID)) return undefined;
  const id = cur.uint();
  if (id < 0 || !literal(cur, SENSOR)) return undefined;
  const sensor = cur.sensor();
  if (sensor === undefined || !literal(cur, VALUE)) return undefined;
  const value = cur.number();
  if (value === undefined || !literal(cur, TS) || bytes[cur.pos] === MINUS || !cur.decimal()) return undefined;
  const ts = tsMillis(cur.units, cur.scale);
  if (ts < 0 || bytes[cur.pos] !== CLOSE || cur.pos + 1 !== bytes.length) return undefined;
  return { id, sensor, value, ts };
}

/** The event when `bytes` is a valid event the scanner can read; undefined means "use the general parser". */
export function scanEvent(bytes: Buffer): SensorEvent | undefined {
  return scanCompact(bytes) ?? scanAnyOrder(bytes);
}

/** Any key order and whitespace. */
function scanAnyOrder(bytes: Buffer): SensorEvent | undefined {
  const cur = new Cursor(bytes);
  if (cur.space() !== OPEN) return undefined;
  cur.pos++;
  let id = -1;
  let sensor: string | undefined;
  let value: number | undefined;
  let ts = -1;
  for (let field = 0; field < 4; field++) {
    cur.space();
    const key = cur.key();
    if (cur.space() !== COLON) return undefined;
    cur.pos++;
    cur.space();
    if (key === 1 && id < 0) {
      id = cur.uint();
      if (id < 0) return undefined;
    } else if (key === 2 && sensor === undefined) {
      sensor = cur.sensor();
      if (sensor === undefined) return undefined;
    } else if (key === 3 && value === undefined) {
      value = cur.number();
      if (value === undefined) return undefined;
    } else if (key === 4 && ts < 0) {
      if (bytes[cur.pos] === MINUS || !cur.decimal()) return undefined;
      ts = tsMillis(cur.units, cur.scale);
      if (ts < 0) return undefined;
    } else {
      return undefined;
    }
    if (cur.space() !== (field === 3 ? CLOSE : COMMA)) return undefined;
    cur.pos++;
  }
  cur.space();
  if (cur.pos !== bytes.length || sensor === undefined || value === undefined) return undefined;
  return { id, sensor, value, ts };
}
