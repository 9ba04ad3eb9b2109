import { describe, expect, it } from 'vitest';
import { ifNoneMatch } from './if-none-match.ts';

describe('ifNoneMatch', () => {
  it('matches single tags, lists, weak tags and *', () => {
    const tag = '"abc"';
    expect(ifNoneMatch(tag, tag)).toBe(true);
    expect(ifNoneMatch(`"other", W/${tag}`, tag)).toBe(true);
    expect(ifNoneMatch('*', tag)).toBe(true);
  });

  it('does not match other tags or no header', () => {
    expect(ifNoneMatch('"other"', '"abc"')).toBe(false);
    expect(ifNoneMatch('abc', '"abc"')).toBe(false);
    expect(ifNoneMatch(undefined, '"abc"')).toBe(false);
    expect(ifNoneMatch('', '"abc"')).toBe(false);
  });
});
