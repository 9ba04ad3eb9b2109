import { describe, expect, it } from 'vitest';
import { formatPeriod, lookbackPeriod, parsePeriod } from './period.ts';

describe('period', () => {
  it('is whole UTC days, --to exclusive and one day after --from by default', () => {
    expect(formatPeriod(parsePeriod('2026-11-30'))).toBe('2026-11-30..2026-12-01');
    expect(parsePeriod('2026-11-01', '2026-12-01').to.toISOString()).toBe('2026-12-01T00:00:00.000Z');
  });

  it('names the argument and the form of a bad day, and refuses an empty period', () => {
    expect(() => parsePeriod('2026-02-30')).toThrow("'from' must be a day such as 2026-12-01, got '2026-02-30'");
    expect(() => parsePeriod('2026-12-01', 'tomorrow')).toThrow(/'to' must be a day/);
    expect(() => parsePeriod('2026-12-01', '2026-12-01')).toThrow("'to' (2026-12-01) must be a day after 'from' (2026-12-01)");
  });

  it('looks back the given days ending with yesterday', () => {
    expect(formatPeriod(lookbackPeriod(new Date('2026-12-01T00:30:00Z'), 2))).toBe('2026-11-29..2026-12-01');
    expect(() => lookbackPeriod(new Date(), 0)).toThrow(/'days' must be an integer of at least 1/);
  });
});
