import { describe, expect, it } from 'vitest';
import { Coalescer } from './coalescer.ts';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('Coalescer', () => {
  it('lets callers of the same moment share a read, and later arrivals share the next one', async () => {
    const c = new Coalescer<number>();
    const reads: ReturnType<typeof deferred<number>>[] = [];
    const read = () => {
      const d = deferred<number>();
      reads.push(d);
      return d.promise;
    };
    const first = [c.run('k', read), c.run('k', read)];
    expect(reads).toHaveLength(0);
    await tick();
    expect(reads).toHaveLength(1);
    const second = [c.run('k', read), c.run('k', read)];
    await tick();
    expect(reads).toHaveLength(1);
    reads[0]?.resolve(1);
    expect(await Promise.all(first)).toEqual([1, 1]);
    await tick();
    expect(reads).toHaveLength(2);
    const third = c.run('k', read);
    reads[1]?.resolve(2);
    expect(await Promise.all(second)).toEqual([2, 2]);
    await tick();
    expect(reads).toHaveLength(3);
    reads[2]?.resolve(3);
    expect(await third).toBe(3);
  });

  it('keeps keys apart and carries on after a failed read', async () => {
    const c = new Coalescer<string>();
    const a = deferred<string>();
    const pa = c.run('a', () => a.promise);
    const pb = c.run('b', async () => 'b');
    expect(await pb).toBe('b');
    await tick();
    const after = c.run('a', async () => 'a2');
    a.reject(new Error('down'));
    await expect(pa).rejects.toThrow('down');
    expect(await after).toBe('a2');
    expect(await c.run('a', async () => 'a3')).toBe('a3');
  });
});
