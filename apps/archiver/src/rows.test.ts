import { describe, expect, it } from 'vitest';
import { parseEventRow, parseWindowRow } from './rows.ts';

const source = { partition: 1, offset: 42n, timestamp: 1_700_000_000_000 };
const result = {
  sensor: 'A',
  avg: 50.25,
  count: 20,
  window: 3,
  firstId: 41,
  lastId: 60,
  fromTs: 1_700_000_000_000,
  toTs: 1_700_000_001_000,
  emittedAt: 1_700_000_001_005,
};
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('parseEventRow', () => {
  it('keeps a valid event with its source', () => {
    expect(parseEventRow(json({ id: 7, sensor: 'B', value: 12.5, ts: 1_700_000_000_123 }), source)).toEqual({
      ok: true,
      row: { id: 7, sensor: 'B', value: 12.5, ts: 1_700_000_000_123, ...source },
    });
  });

  it('rejects what the processor dead-letters, with its reason', () => {
    expect(parseEventRow(Buffer.from('not json'), source)).toMatchObject({ ok: false, reason: 'invalid-json' });
    expect(parseEventRow(json({ id: 1, sensor: 'A', value: '3', ts: 1 }), source)).toMatchObject({ reason: 'non-numeric-value' });
    expect(parseEventRow(null, source)).toMatchObject({ ok: false });
  });
});

describe('parseWindowRow', () => {
  it('maps a processor result to a windows row', () => {
    expect(parseWindowRow(json(result), source)).toEqual({
      ok: true,
      row: {
        ...source,
        sensor: 'A',
        windowSeq: 3,
        avg: 50.25,
        count: 20,
        firstId: 41,
        lastId: 60,
        fromTs: result.fromTs,
        toTs: result.toTs,
        emittedAt: result.emittedAt,
      },
    });
  });

  it('rejects schema drift: a missing field, a renamed one, a wrong type, a non-object', () => {
    const { avg: _, ...noAvg } = result;
    expect(parseWindowRow(json(noAvg), source)).toMatchObject({ ok: false, reason: 'missing-field', message: 'missing avg' });
    expect(parseWindowRow(json({ ...noAvg, average: 1 }), source)).toMatchObject({ reason: 'missing-field' });
    expect(parseWindowRow(json({ ...result, avg: '50.25' }), source)).toMatchObject({ reason: 'non-numeric-value' });
    expect(parseWindowRow(json({ ...result, count: 0 }), source)).toMatchObject({ reason: 'invalid-field' });
    expect(parseWindowRow(json({ ...result, fromTs: result.toTs + 1 }), source)).toMatchObject({ reason: 'invalid-field' });
    expect(parseWindowRow(json([result]), source)).toMatchObject({ reason: 'not-an-object' });
    expect(parseWindowRow(Buffer.from('{"sensor":'), source)).toMatchObject({ reason: 'invalid-json' });
  });

  it('ignores fields it does not know, so the processor can add some', () => {
    expect(parseWindowRow(json({ ...result, median: 50 }), source)).toMatchObject({ ok: true });
  });
});
