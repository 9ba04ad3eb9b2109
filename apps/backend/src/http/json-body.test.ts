import { describe, expect, it } from 'vitest';
import { HttpError } from './errors.ts';
import { isJsonContentType, parseJson } from './json-body.ts';

describe('isJsonContentType', () => {
  it('accepts JSON media types in UTF-8', () => {
    for (const t of [
      'application/json',
      'Application/JSON; charset=UTF-8',
      'application/json;charset="utf-8"',
      'application/merge-patch+json',
    ]) {
      expect(isJsonContentType(t), t).toBe(true);
    }
  });

  it('refuses other types and charsets', () => {
    for (const t of [
      undefined,
      '',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=latin1',
      'text/json+xml',
    ]) {
      expect(isJsonContentType(t), String(t)).toBe(false);
    }
  });
});

describe('parseJson', () => {
  it('parses UTF-8 JSON of any shape', () => {
    expect(parseJson(Buffer.from('{"title":"ä😀"}'))).toEqual({ title: 'ä😀' });
    expect(parseJson(Buffer.from('null'))).toBeNull();
  });

  it('answers 400 for malformed JSON and for bytes that are not UTF-8', () => {
    const status = (bytes: Buffer) => {
      try {
        parseJson(bytes);
      } catch (e) {
        return e instanceof HttpError ? `${e.status} ${e.message}` : 'other';
      }
      return 'parsed';
    };
    expect(status(Buffer.from('{"title":'))).toMatch(/^400 malformed JSON: /);
    expect(status(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]))).toBe('400 the body must be UTF-8 text');
  });
});
