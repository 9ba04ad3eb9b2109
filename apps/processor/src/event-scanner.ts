import type { SensorEvent } from './window.ts';

/**
 * A byte scanner for the one shape the producer writes, `{"id":1,"sensor":"A","value":12.5,"ts":1700000000000}`
 * (no whitespace, fields in this order). It accepts only input that `JSON.parse` plus the event validation would
 * accept with the same result, and returns undefined for everything else, which then takes the general path.
 */

const ID = Buffer.from('{"id":');
const SENSOR = Buffer.from(',"sensor":"');
const VALUE = Buffer.from('","value":');
const TS = Buffer.from(',"ts":');

/** Integers of up to 15 digits are safe, and so is dividing them by a power of ten up to 10^22 (one rounding). */
const MAX_DIGITS = 15;
const POW10 = Array.from({ length: MAX_DIGITS + 1 }, (_, i) => 10 ** i);

const ZERO = 0x30;
const NINE = 0x39;
const MINUS = 0x2d;
const DOT = 0x2e;
const CLOSE = 0x7d;
const EXP = 0x65;
const EXP_UPPER = 0x45;
const MAX_SENSOR = 64;

/** `[A-Za-z0-9_.-]`, the characters of a sensor name, by byte. */
const SENSOR_BYTE = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-') SENSOR_BYTE[c.charCodeAt(0)] = 1;

const isDigit = (c: number | undefined) => c !== undefined && c >= ZERO && c <= NINE;

class Cursor {
  pos = 0;
  units = 0;
  constructor(readonly bytes: Buffer) {}

  literal(expected: Buffer): boolean {
    const { bytes, pos } = this;
    if (pos + expected.length > bytes.length) return false;
    for (let i = 0; i < expected.length; i++) if (bytes[pos + i] !== expected[i]) return false;
    this.pos = pos + expected.length;
    return true;
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

  /** A non-negative JSON integer of at most 15 digits. */
  uint(): number {
    const count = this.digits();
    const c = this.bytes[this.pos];
    return count === 0 || count > MAX_DIGITS || c === DOT || c === EXP || c === EXP_UPPER ? -1 : this.units;
  }

  /** A JSON number without exponent and with at most 15 digits, as `JSON.parse` reads it; undefined otherwise. */
  number(): number | undefined {
    const { bytes } = this;
    const negative = bytes[this.pos] === MINUS;
    if (negative) this.pos++;
    const count = this.digits();
    if (count === 0) return undefined;
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
      if (scale === 0) return undefined;
    }
    const c = bytes[this.pos];
    if (count + scale > MAX_DIGITS || c === EXP || c === EXP_UPPER) return undefined;
    const value = units / (POW10[scale] as number);
    return negative ? -value : value;
  }

  sensor(): string | undefined {
    const { bytes } = this;
    const start = this.pos;
    while (this.pos < bytes.length && SENSOR_BYTE[bytes[this.pos] as number] === 1) this.pos++;
    const length = this.pos - start;
    if (length === 0 || length > MAX_SENSOR) return undefined;
    return bytes.toString('latin1', start, this.pos);
  }
}

/** The event when `bytes` is exactly the producer's shape and valid; undefined means "use the general parser". */
export function scanEvent(bytes: Buffer): SensorEvent | undefined {
  const cur = new Cursor(bytes);
  if (!cur.literal(ID)) return undefined;
  const id = cur.uint();
  if (id < 0 || !cur.literal(SENSOR)) return undefined;
  const sensor = cur.sensor();
  if (sensor === undefined || !cur.literal(VALUE)) return undefined;
  const value = cur.number();
  if (value === undefined || !cur.literal(TS)) return undefined;
  const ts = cur.uint();
  if (ts < 0 || bytes[cur.pos] !== CLOSE || cur.pos + 1 !== bytes.length) return undefined;
  return { id, sensor, value, ts };
}
