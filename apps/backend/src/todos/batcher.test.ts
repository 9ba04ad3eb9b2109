import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.ts';

describe('Batcher', () => {
  it('sends the items of one moment together and groups those that arrive while a batch is in flight', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const batcher = new Batcher<number, string>({
      flush: async (items) => {
        batches.push([...items]);
        if (batches.length === 1) await new Promise<void>((r) => (release = r));
        return items.map((i) => `#${i}`);
      },
    });
    const first = [batcher.add(1), batcher.add(2)];
    expect(batches).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[1, 2]]);
    const rest = [batcher.add(3), batcher.add(4), batcher.add(5)];
    release();
    expect(await Promise.all(first)).toEqual(['#1', '#2']);
    expect(await Promise.all(rest)).toEqual(['#3', '#4', '#5']);
    expect(batches).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
  });

  it('splits batches at maxBatch', async () => {
    const sizes: number[] = [];
    const batcher = new Batcher<number, number>({
      maxBatch: 2,
      flush: async (items) => {
        sizes.push(items.length);
        return items;
      },
    });
    expect(await Promise.all([1, 2, 3, 4, 5].map((i) => batcher.add(i)))).toEqual([1, 2, 3, 4, 5]);
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('fails every item of a failed batch and goes on with the next', async () => {
    let calls = 0;
    const batcher = new Batcher<number, number>({
      flush: async (items) => {
        calls++;
        if (calls === 1) throw new Error('database down');
        return items;
      },
    });
    await expect(batcher.add(1)).rejects.toThrow('database down');
    expect(await batcher.add(2)).toBe(2);
  });

  it('rejects a flush that answers the wrong number of results, and a bad maxBatch', async () => {
    const batcher = new Batcher<number, number>({ flush: async () => [] });
    await expect(batcher.add(1)).rejects.toThrow('a batch of 1 gave 0 results');
    expect(() => new Batcher({ flush: async () => [], maxBatch: 0 })).toThrow(/'maxBatch' must be an integer of at least 1/);
  });
});
