import { describe, expect, it } from 'vitest';
import { etagMatches, etagOf } from './etag.ts';

describe('etag', () => {
  it('is stable for equal bodies and differs for different ones', () => {
    expect(etagOf('[]')).toBe(etagOf('[]'));
    expect(etagOf('[]')).not.toBe(etagOf('[{}]'));
    expect(etagOf('[]')).toMatch(/^"[A-Za-z0-9_-]+"$/);
  });

  it('matches If-None-Match lists, weak tags and *', () => {
    const tag = etagOf('x');
    expect(etagMatches(tag, tag)).toBe(true);
    expect(etagMatches(`"other", W/${tag}`, tag)).toBe(true);
    expect(etagMatches('*', tag)).toBe(true);
    expect(etagMatches('"other"', tag)).toBe(false);
    expect(etagMatches(undefined, tag)).toBe(false);
  });
});
