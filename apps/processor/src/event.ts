import { isSensorName, SENSOR_NAME_RULE } from '@stratus/config/sensor';
import { SECONDS_BELOW, scanEvent } from './event-scanner.ts';
import { type Decimal, divideHalfEven, parseDecimal, type SensorEvent, toDecimal } from './window.ts';

/** Why an input message went to the dead-letter topic. */
export type DeadLetterReason =
  | 'invalid-json'
  | 'not-an-object'
  | 'missing-field'
  | 'invalid-field'
  | 'non-numeric-value'
  | 'non-finite-value';

export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  readonly retriable = false;
  constructor(
    readonly reason: DeadLetterReason,
    message: string,
  ) {
    super(message);
  }
}

export type ParsedEvent =
  | { readonly ok: true; readonly event: SensorEvent }
  | { readonly ok: false; readonly error: InvalidEventError };

const REQUIRED = ['id', 'sensor', 'value', 'ts'] as const;
/** The latest instant a JavaScript Date can hold, in epoch milliseconds. */
const MAX_TS_MS = 8.64e15;

const fail = (reason: DeadLetterReason, message: string): ParsedEvent => ({
  ok: false,
  error: new InvalidEventError(reason, message),
});

/** Parses and validates one `events` message: `{id, sensor, value, ts}` as JSON. */
export function parseEvent(bytes: Buffer | null): ParsedEvent {
  if (bytes === null || bytes.length === 0) return fail('invalid-json', 'the message has no value');
  const scanned = scanEvent(bytes);
  return scanned ? { ok: true, event: scanned } : parseJsonEvent(bytes);
}

/**
 * `ts` as whole epoch milliseconds: below 10^11 it is epoch seconds (a float such as Python's `time.time()`, or an
 * integer), from 10^11 epoch milliseconds; either way rounded half to even to the millisecond. Undefined when it is
 * negative or past the range of a Date.
 */
export function normaliseTs(ts: number): number | undefined {
  if (!Number.isFinite(ts) || ts < 0) return undefined;
  if (Number.isSafeInteger(ts) && ts >= SECONDS_BELOW) return ts <= MAX_TS_MS ? ts : undefined;
  const d: Decimal = toDecimal(ts);
  const shift = ts < SECONDS_BELOW ? 3 : 0;
  const ms = Number(divideHalfEven(d.units * 10n ** BigInt(shift), 10n ** BigInt(d.scale)));
  return ms <= MAX_TS_MS ? ms : undefined;
}

/** The general path of {@link parseEvent}: any JSON, with the reason of the first rule it breaks. */
export function parseJsonEvent(bytes: Buffer): ParsedEvent {
  const text = bytes.toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return fail('invalid-json', (e as Error).message);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return fail('not-an-object', 'the event must be a JSON object');
  const r = raw as Record<string, unknown>;
  const missing = REQUIRED.filter((k) => r[k] === undefined || r[k] === null);
  if (missing.length > 0) return fail('missing-field', `missing ${missing.join(', ')}`);
  if (typeof r.value !== 'number') return fail('non-numeric-value', `value must be a JSON number, got ${typeof r.value}`);
  if (!Number.isFinite(r.value)) return fail('non-finite-value', 'value must be a finite number');
  if (typeof r.sensor !== 'string' || !isSensorName(r.sensor)) {
    return fail('invalid-field', `sensor must be ${SENSOR_NAME_RULE}`);
  }
  const id = eventId(r.id, text);
  if (id === undefined) return fail('invalid-field', 'id must be a non-negative integer');
  const ts = typeof r.ts === 'number' ? normaliseTs(r.ts) : undefined;
  if (ts === undefined) {
    return fail('invalid-field', 'ts must be epoch seconds or epoch milliseconds, from 0 to the year 275760');
  }
  return { ok: true, event: { id, sensor: r.sensor, value: r.value, ts } };
}

/** A safe integer id as a number; a larger one, read exactly from the JSON text, as a bigint. */
function eventId(parsed: unknown, text: string): number | bigint | undefined {
  if (typeof parsed !== 'number' || !Number.isInteger(parsed) || parsed < 0) return undefined;
  if (Number.isSafeInteger(parsed)) return parsed;
  const literal = topLevelLiteral(text, 'id');
  if (literal === undefined) return undefined;
  const d = parseDecimal(literal);
  const exact = d.units % 10n ** BigInt(d.scale) === 0n ? d.units / 10n ** BigInt(d.scale) : undefined;
  return exact !== undefined && exact >= 0n ? exact : undefined;
}

/**
 * The text of the last value of `key` in the top-level object of `text`, a JSON document that `JSON.parse` has
 * accepted (so the walk needs no error handling).
 */
export function topLevelLiteral(text: string, key: string): string | undefined {
  let pos = 0;
  const space = () => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos] as string)) pos++;
  };
  const skipString = () => {
    const start = pos++;
    while (text[pos] !== '"') pos += text[pos] === '\\' ? 2 : 1;
    pos++;
    return text.slice(start, pos);
  };
  const skipValue = () => {
    space();
    const c = text[pos];
    if (c === '"') return skipString();
    const start = pos;
    if (c === '{' || c === '[') {
      let depth = 0;
      do {
        const d = text[pos];
        if (d === '"') {
          skipString();
          continue;
        }
        if (d === '{' || d === '[') depth++;
        if (d === '}' || d === ']') depth--;
        pos++;
      } while (depth > 0);
      return text.slice(start, pos);
    }
    while (pos < text.length && !',}] \t\n\r'.includes(text[pos] as string)) pos++;
    return text.slice(start, pos);
  };
  let found: string | undefined;
  space();
  pos++;
  for (;;) {
    space();
    if (text[pos] === '}') return found;
    const name = JSON.parse(skipString()) as string;
    space();
    pos++;
    const value = skipValue();
    if (name === key) found = value;
    space();
    if (text[pos] === ',') pos++;
  }
}
