import { describe, expect, it } from 'vitest';
import { EventGenerator, mulberry32, serializeEvent } from './events.ts';

describe('EventGenerator', () => {
  it('is reproducible from its seed and differs across seeds', () => {
    const take = (seed: number) => {
      const g = new EventGenerator({ sensors: ['A', 'B', 'C'], seed });
      return Array.from({ length: 50 }, (_, i) => g.next(i));
    };
    expect(take(7)).toEqual(take(7));
    expect(take(7)).not.toEqual(take(8));
  });

  it('gives increasing ids, known sensors and values in 0..100 with 2 decimals, covering both ends', () => {
    const g = new EventGenerator({ sensors: ['A', 'B', 'C'], seed: 1, firstId: 10 });
    const events = Array.from({ length: 200_000 }, () => g.next(5));
    expect(events.map((e) => e.id)).toEqual(Array.from({ length: 200_000 }, (_, i) => 10 + i));
    expect(new Set(events.map((e) => e.sensor))).toEqual(new Set(['A', 'B', 'C']));
    expect(events.every((e) => Math.round(e.value * 100) / 100 === e.value)).toBe(true);
    const values = events.map((e) => e.value);
    expect(values.reduce((a, b) => Math.min(a, b))).toBe(0);
    expect(values.reduce((a, b) => Math.max(a, b))).toBe(100);
  });

  it('serializes exactly the four fields', () => {
    expect(serializeEvent({ id: 3, sensor: 'B', value: 7.5, ts: 9 })).toBe('{"id":3,"sensor":"B","value":7.5,"ts":9}');
  });

  it('rejects an empty sensor list', () => {
    expect(() => new EventGenerator({ sensors: [], seed: 1 })).toThrow(/'sensors'/);
  });

  it('mulberry32 stays in [0, 1)', () => {
    const r = mulberry32(123);
    for (let i = 0; i < 10_000; i++) {
      const x = r();
      expect(x >= 0 && x < 1).toBe(true);
    }
  });
});
