import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../producer/src/events.ts';
import { parseJsonEvent } from './event.ts';
import { scanEvent } from './event-scanner.ts';

const canonical = (id: number, sensor: string, value: string, ts: number) =>
  `{"id":${id},"sensor":"${sensor}","value":${value},"ts":${ts}}`;

/** Small edits of well-formed events: the scanner must agree with the JSON path or step aside. */
function variants(random: () => number, n: number): string[] {
  const pick = <T>(xs: readonly T[]) => (random() < 0.6 ? xs[0] : xs[Math.floor(random() * xs.length)]) as T;
  const values = [
    '12.5',
    '-0',
    '0',
    '-0.01',
    '100.00',
    '0.1',
    '1e3',
    '1E-2',
    '1.',
    '.5',
    '01.5',
    '-',
    '123456789012345',
    '1234567890123456',
    '0.30000000000000004',
    '9007199254740993',
    '1.7976931348623157',
    'NaN',
    '"1"',
    'true',
  ];
  const ints = [
    '7',
    '0',
    '01',
    '-1',
    '1.0',
    '1e2',
    '999999999999999',
    '9007199254740991',
    '9007199254740993',
    '12345678901234567890',
  ];
  const sensors = ['A', 'S01', 'a.b_c-d', '', 'A b', '@position', 'x'.repeat(64), 'x'.repeat(65), '\\u0041', 'é'];
  const text = canonical(Number(pick(['1', '42'])), pick(sensors), pick(values), 1_700_000_000_000).replace(
    /"id":\d+/,
    `"id":${pick(ints)}`,
  );
  const edits = [
    (s: string) => s,
    (s: string) => s,
    (s: string) => s.replace(/"ts":\d+/, `"ts":${pick(ints)}`),
    (s: string) => s.slice(0, Math.floor(random() * s.length)),
    (s: string) => `${s} `,
    (s: string) => s.replace(':', ': '),
    (s: string) => `${s.slice(0, -1)},"id":2}`,
    (s: string) => s.replace('"ts"', '"tz"'),
    (s: string) =>
      s.replace(
        /"ts":\d+/,
        `"ts":${pick(['1692709800.123', '1692709800', '1692709800.1235', '0.0005', '1e9', '-1', '1692709800123.5'])}`,
      ),
    (s: string) => s.replaceAll(',', ', ').replaceAll(':', ': '),
    (s: string) => `\n\t{ ${s.slice(1, -1).split(',').reverse().join(' ,\r\n')} }\n`,
    (s: string) => s.replace('{', '{"extra":1,'),
    (s: string) => s.replace('"id"', '"sensor"'),
  ];
  return Array.from({ length: n }, () => pick(edits)(text));
}

describe('scanEvent', () => {
  it('reads the producer shape exactly as JSON.parse does', () => {
    expect(scanEvent(Buffer.from(canonical(3, 'S07', '-12.34', 1_700_000_000_123)))).toEqual({
      id: 3,
      sensor: 'S07',
      value: -12.34,
      ts: 1_700_000_000_123,
    });
  });

  it('reads any key order and JSON whitespace, and ts in epoch seconds', () => {
    const python = Buffer.from('{"id": 0, "sensor": "A", "value": 42.5, "ts": 1692709800.123}');
    expect(scanEvent(python)).toEqual({ id: 0, sensor: 'A', value: 42.5, ts: 1_692_709_800_123 });
    const reordered = Buffer.from('\n{ "ts" :1692709800123,\t"value":-1.25 , "sensor":"b.c","id":7 }\r\n');
    expect(scanEvent(reordered)).toEqual({ id: 7, sensor: 'b.c', value: -1.25, ts: 1_692_709_800_123 });
    expect(scanEvent(Buffer.from('{"id":1,"sensor":"A","value":1,"ts":1692709800}'))?.ts).toBe(1_692_709_800_000);
    expect(scanEvent(Buffer.from('{"id":1,"sensor":"A","value":1,"ts":1692709800.1235}'))?.ts).toBe(1_692_709_800_124);
    expect(scanEvent(Buffer.from('{"id":1,"sensor":"A","value":1,"ts":1692709800.1225}'))?.ts).toBe(1_692_709_800_122);
  });

  it('agrees with the JSON path on every input it accepts, over 20,000 edited events', () => {
    const random = mulberry32(7);
    let scanned = 0;
    for (let i = 0; i < 2_000; i++) {
      for (const text of variants(random, 10)) {
        const bytes = Buffer.from(text);
        const event = scanEvent(bytes);
        if (event === undefined) continue;
        scanned++;
        const general = parseJsonEvent(bytes);
        expect(general.ok ? general.event : general.error.reason, text).toEqual(event);
        expect(Object.is(event.value, general.ok ? general.event.value : Number.NaN), text).toBe(true);
      }
    }
    expect(scanned).toBeGreaterThan(1_000);
  });

  it('reads numbers of up to 15 digits (a leading 0 included) as the same double as JSON.parse', () => {
    const random = mulberry32(11);
    for (let i = 0; i < 20_000; i++) {
      const digits = Array.from({ length: 1 + Math.floor(random() * 14) }, () => Math.floor(random() * 10)).join('');
      const dot = Math.floor(random() * digits.length);
      const int = digits.slice(0, dot).replace(/^0+(?=\d)/, '') || '0';
      const value = `${random() < 0.5 ? '-' : ''}${int}${dot < digits.length ? `.${digits.slice(dot)}` : ''}`;
      const event = scanEvent(Buffer.from(canonical(1, 'A', value, 1)));
      expect(event?.value, value).toBe(JSON.parse(value));
    }
  });

  it.each([
    '{"id":1,"sensor":"A","value":1e3,"ts":1}',
    '{"id":01,"sensor":"A","value":1,"ts":1}',
    '{"id":1,"sensor":"A","value":1234567890123456,"ts":1}',
    '{"id":1,"sensor":"A","value":1}',
    '{"id":1,"sensor":"A","value":1,"ts":1,"x":2}',
    '{"id":1,"sensor":"A","value":1,"ts":-1}',
    '{"id":1 "sensor":"A","value":1,"ts":1}',
    '{"id":1,"sensor":"A","value":1,"ts":1,"id":2}',
    '{"id":1,"sensor":"\\u0041","value":1,"ts":1}',
  ])('leaves %s to the general path', (text) => {
    expect(scanEvent(Buffer.from(text))).toBeUndefined();
  });
});
