import { scanEvent } from './event-scanner.ts';
import type { SensorEvent } from './window.ts';

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

const SENSOR = /^[A-Za-z0-9_.-]{1,64}$/;
const REQUIRED = ['id', 'sensor', 'value', 'ts'] as const;

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

/** The general path of {@link parseEvent}: any JSON, with the reason of the first rule it breaks. */
export function parseJsonEvent(bytes: Buffer): ParsedEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
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
  if (typeof r.sensor !== 'string' || !SENSOR.test(r.sensor)) {
    return fail('invalid-field', 'sensor must be 1 to 64 letters, digits, ".", "_" or "-"');
  }
  if (!Number.isSafeInteger(r.id) || (r.id as number) < 0) return fail('invalid-field', 'id must be a non-negative integer');
  if (!Number.isSafeInteger(r.ts) || (r.ts as number) < 0) return fail('invalid-field', 'ts must be epoch milliseconds');
  return { ok: true, event: { id: r.id as number, sensor: r.sensor, value: r.value, ts: r.ts as number } };
}
