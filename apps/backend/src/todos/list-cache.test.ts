import { describe, expect, it } from 'vitest';
import { ListCache } from './list-cache.ts';

describe('ListCache', () => {
  it('keeps one answer per collection URL with its snapshot, body and ETag', () => {
    const cache = new ListCache();
    const a = cache.set('http://a/api/todos/', '10:12:11', '[{"id":1}]');
    expect(a.body.toString()).toBe('[{"id":1}]');
    expect(a.etag).toMatch(/^"[\w-]{27}"$/);
    expect(cache.get('http://a/api/todos/')).toBe(a);
    expect(cache.get('http://b/api/todos/')).toBeUndefined();
    const b = cache.set('http://a/api/todos/', '10:13:', '[]');
    expect(cache.get('http://a/api/todos/')).toBe(b);
    expect(b.etag).not.toBe(a.etag);
  });

  it('stays bounded and can be cleared', () => {
    const cache = new ListCache(2);
    cache.set('a', '1:1:', '[]');
    cache.set('b', '1:1:', '[]');
    cache.set('c', '1:1:', '[]');
    expect(cache.get('c')).toBeDefined();
    expect(cache.get('a')).toBeUndefined();
    cache.clear();
    expect(cache.get('c')).toBeUndefined();
    expect(() => new ListCache(0)).toThrow(/'maxEntries' must be an integer of at least 1/);
  });
});
