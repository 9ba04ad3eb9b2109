import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../producer/src/events.ts';
import {
  addDecimal,
  applyEvent,
  average,
  deserializeState,
  divideHalfEven,
  formatDecimal,
  parseDecimal,
  type SensorEvent,
  serializeState,
  toDecimal,
  type WindowState,
} from './window.ts';

const ev = (id: number, value: number, sensor = 'A'): SensorEvent => ({ id, sensor, value, ts: 1000 + id });

function run(
  values: number[],
  size: number,
): { state: WindowState | undefined; results: ReturnType<typeof applyEvent>['result'][] } {
  let state: WindowState | undefined;
  const results = [];
  for (const [i, v] of values.entries()) {
    const applied = applyEvent(state, ev(i + 1, v), size, 42);
    state = applied.state;
    if (applied.result) results.push(applied.result);
  }
  return { state, results };
}

describe('decimals', () => {
  it('parses the printed form of numbers exactly, exponents included', () => {
    expect(toDecimal(12.34)).toEqual({ units: 1234n, scale: 2 });
    expect(toDecimal(1e-7)).toEqual({ units: 1n, scale: 7 });
    expect(toDecimal(1.5e21)).toEqual({ units: 1_500_000_000_000_000_000_000n, scale: 0 });
    expect(formatDecimal(parseDecimal('-0.50'))).toBe('-0.5');
    expect(formatDecimal(addDecimal(toDecimal(0.1), toDecimal(0.2)))).toBe('0.3');
  });

  it('finds the printed decimal of any double without printing it', () => {
    const random = mulberry32(3);
    const doubles = Array.from({ length: 20_000 }, (_, i) => {
      const cents = Math.round((random() - 0.5) * 10 ** (1 + (i % 15)));
      return i % 3 === 0 ? (random() - 0.5) * 10 ** ((i % 40) - 20) : cents / 10 ** (i % 7);
    });
    for (const n of [...doubles, 0, -0, 0.1, 0.3, 1e-7, 123456789012345, 1234567890123456, 2 ** 53, 5e-324]) {
      expect(toDecimal(n), String(n)).toEqual(parseDecimal(String(n)));
    }
  });

  it('rejects non-finite values', () => {
    expect(() => toDecimal(Number.POSITIVE_INFINITY)).toThrow(/finite/);
  });

  it('rounds ties to even like Python round()', () => {
    expect(divideHalfEven(5n, 2n)).toBe(2n);
    expect(divideHalfEven(7n, 2n)).toBe(4n);
    expect(divideHalfEven(-5n, 2n)).toBe(-2n);
    expect(divideHalfEven(26n, 10n)).toBe(3n);
    expect(average(parseDecimal('1002.5'), 20)).toBe(50.12);
    expect(average(parseDecimal('1002.7'), 20)).toBe(50.14);
    expect(average(parseDecimal('0.02'), 3)).toBe(0.01);
  });
});

describe('count windows', () => {
  it('emits one result per full window with its metadata and opens the next one', () => {
    const { state, results } = run([10, 20, 30, 40, 50, 60, 70], 3);
    expect(results).toEqual([
      { sensor: 'A', avg: 20, count: 3, window: 1, firstId: 1, lastId: 3, fromTs: 1001, toTs: 1003, emittedAt: 42 },
      { sensor: 'A', avg: 50, count: 3, window: 2, firstId: 4, lastId: 6, fromTs: 1004, toTs: 1006, emittedAt: 42 },
    ]);
    expect(state).toMatchObject({ accepted: 7, window: 3, count: 1, sum: { units: 70n, scale: 0 }, firstId: 7, lastId: 7 });
  });

  it('sums exactly where floating point would drift', () => {
    const { results } = run(
      Array.from({ length: 20 }, () => 0.1),
      20,
    );
    expect(results[0]?.avg).toBe(0.1);
  });

  it('cuts the same windows when replayed from a serialized state', () => {
    const values = Array.from({ length: 50 }, (_, i) => (i * 37) % 101);
    const straight = run(values, 7).results;
    const firstHalf = run(values.slice(0, 23), 7);
    let state = deserializeState(serializeState(firstHalf.state as WindowState));
    const rest = [];
    for (const [i, v] of values.slice(23).entries()) {
      const applied = applyEvent(state, ev(24 + i, v), 7, 42);
      state = applied.state;
      if (applied.result) rest.push(applied.result);
    }
    expect([...firstHalf.results, ...rest]).toEqual(straight);
  });

  it('refuses an event of another sensor and a size below 1', () => {
    const { state } = run([1], 3);
    expect(() => applyEvent(state, ev(2, 1, 'B'), 3, 0)).toThrow(/sensor 'B'/);
    expect(() => applyEvent(undefined, ev(1, 1), 0, 0)).toThrow(/'size'/);
  });

  it('refuses a stored state of the wrong shape', () => {
    expect(() => deserializeState('{"sensor":"A"}')).toThrow(/wrong shape/);
    expect(() => deserializeState('nope')).toThrow(/not JSON/);
  });
});
