import { describe, expect, it } from 'vitest';
import { parseEvent } from './event.ts';

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
  ])('gives %j the reason %s', (text, expected) => {
    expect(reason(text)).toBe(expected);
  });
});
