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
  it('runs the first caller at once and lets all later arrivals share one read after it', async () => {
    const c = new Coalescer<number>();
    const reads: ReturnType<typeof deferred<number>>[] = [];
    const read = () => {
      const d = deferred<number>();
      reads.push(d);
      return d.promise;
    };
    const first = c.run('k', read);
    const second = c.run('k', read);
    const third = c.run('k', read);
    expect(reads).toHaveLength(1);
    reads[0]?.resolve(1);
    expect(await first).toBe(1);
    await tick();
    expect(reads).toHaveLength(2);
    const fourth = c.run('k', read);
    reads[1]?.resolve(2);
    expect([await second, await third]).toEqual([2, 2]);
    await tick();
    expect(reads).toHaveLength(3);
    reads[2]?.resolve(3);
    expect(await fourth).toBe(3);
  });

  it('keeps keys apart and carries on after a failed read', async () => {
    const c = new Coalescer<string>();
    const a = deferred<string>();
    const pa = c.run('a', () => a.promise);
    const pb = c.run('b', async () => 'b');
    expect(await pb).toBe('b');
    const after = c.run('a', async () => 'a2');
    a.reject(new Error('down'));
    await expect(pa).rejects.toThrow('down');
    expect(await after).toBe('a2');
    expect(await c.run('a', async () => 'a3')).toBe('a3');
  });
});
