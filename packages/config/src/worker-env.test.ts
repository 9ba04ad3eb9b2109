import { describe, expect, it } from 'vitest';
import { WorkerEnv } from './worker-env.ts';

describe('WorkerEnv', () => {
  it('names the variable, the range and the value it rejects', () => {
    const e = new WorkerEnv({ RATE: 'fast', COUNT: '2.5' });
    expect(() => e.number('RATE', { min: 0, max: 10, integer: false })).toThrow(
      "'RATE' must be a number from 0 to 10, got 'fast'",
    );
    expect(() => e.number('COUNT', { min: 1, max: 10 })).toThrow("'COUNT' must be an integer from 1 to 10, got '2.5'");
    expect(e.number('UNSET', { min: 0, max: 1 })).toBeUndefined();
  });
});
