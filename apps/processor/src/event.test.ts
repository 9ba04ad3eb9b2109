import { describe, expect, it } from 'vitest';
import { normaliseTs, parseEvent, parseJsonEvent, topLevelLiteral } from './event.ts';

const reason = (text: string | null) => {
  const parsed = parseEvent(text === null ? null : Buffer.from(text));
  return parsed.ok ? 'ok' : parsed.error.reason;
};

describe('parseEvent', () => {
  it('accepts a well-formed event', () => {
    expect(parseEvent(Buffer.from('{"id":1,"sensor":"A","value":12.5,"ts":1700000000000}'))).toEqual({
      ok: true,
      event: { id: 1, sensor: 'A', value: 12.5, ts: 1_700_000_000_000 },
    });
  });

  it('accepts the reference producer: Python spacing, ts as float epoch seconds, id from 0', () => {
    expect(parseEvent(Buffer.from('{"id": 0, "sensor": "A", "value": 42.5, "ts": 1692709800.123}'))).toEqual({
      ok: true,
      event: { id: 0, sensor: 'A', value: 42.5, ts: 1_692_709_800_123 },
    });
  });

  it('normalises ts to whole epoch milliseconds, half to even', () => {
    const ts = (t: string) => {
      const parsed = parseJsonEvent(Buffer.from(`{"id":1,"sensor":"A","value":1,"ts":${t}}`));
      return parsed.ok ? parsed.event.ts : parsed.error.reason;
    };
    expect(ts('1692709800.123456789')).toBe(1_692_709_800_123);
    expect(ts('1692709800.0005')).toBe(1_692_709_800_000);
    expect(ts('1692709800.0015')).toBe(1_692_709_800_002);
    expect(ts('1.6927098e9')).toBe(1_692_709_800_000);
    expect(ts('1692709800123')).toBe(1_692_709_800_123);
    expect(ts('1692709800123.7')).toBe(1_692_709_800_124);
    expect(ts('0')).toBe(0);
    expect(ts('-1')).toBe('invalid-field');
    expect(ts('9e15')).toBe('invalid-field');
    expect(normaliseTs(99_999_999_999.5)).toBe(99_999_999_999_500);
  });

  it('keeps ids of any size exactly', () => {
    const id = (t: string) => {
      const parsed = parseEvent(Buffer.from(`{"sensor":"A","id":${t},"value":1,"ts":1,"meta":{"id":5,"s":"}\\""}}`));
      return parsed.ok ? parsed.event.id : parsed.error.reason;
    };
    expect(id('18446744073709551615')).toBe(18_446_744_073_709_551_615n);
    expect(id('9007199254740993')).toBe(9_007_199_254_740_993n);
    expect(id('12')).toBe(12);
    expect(id('1e20')).toBe(100_000_000_000_000_000_000n);
    expect(id('1.5')).toBe('invalid-field');
    expect(topLevelLiteral('{"a":[1,{"id":2}],"id" : 33 ,"b":"x"}', 'id')).toBe('33');
  });

  it.each([
    [null, 'invalid-json'],
    ['', 'invalid-json'],
    ['{"id":1,', 'invalid-json'],
    ['[1]', 'not-an-object'],
    ['42', 'not-an-object'],
    ['{"sensor":"A","value":1,"ts":1}', 'missing-field'],
    ['{"id":1,"sensor":"A","value":null,"ts":1}', 'missing-field'],
    ['{"id":1,"sensor":"A","value":"1.5","ts":1}', 'non-numeric-value'],
    ['{"id":1,"sensor":"A","value":1e999,"ts":1}', 'non-finite-value'],
    ['{"id":1.5,"sensor":"A","value":1,"ts":1}', 'invalid-field'],
    ['{"id":1,"sensor":"","value":1,"ts":1}', 'invalid-field'],
    ['{"id":1,"sensor":"@position","value":1,"ts":1}', 'invalid-field'],
    ['{"id":1,"sensor":"A","value":1,"ts":"today"}', 'invalid-field'],
    ['{"id":-1,"sensor":"A","value":1,"ts":1}', 'invalid-field'],
  ])('gives %j the reason %s', (text, expected) => {
    expect(reason(text)).toBe(expected);
  });
});
