import { describe, expect, it } from 'vitest';
import { collectionUrl } from './base-url.ts';

describe('collectionUrl', () => {
  it('prefers PUBLIC_URL over every header', () => {
    expect(collectionUrl('https://todo.example.org/app', { host: 'internal:3000', 'x-forwarded-host': 'x' }, false)).toBe(
      'https://todo.example.org/app/api/todos/',
    );
  });

  it('uses the Host header and the connection scheme', () => {
    expect(collectionUrl(undefined, { host: '127.0.0.1:3000' }, false)).toBe('http://127.0.0.1:3000/api/todos/');
    expect(collectionUrl(undefined, { host: 'Example.org' }, true)).toBe('https://example.org/api/todos/');
    expect(collectionUrl(undefined, { host: '[::1]:8080' }, false)).toBe('http://[::1]:8080/api/todos/');
  });

  it('follows the first X-Forwarded-Proto and X-Forwarded-Host of a proxy chain', () => {
    const headers = { host: 'backend:3000', 'x-forwarded-proto': 'https, http', 'x-forwarded-host': 'todo.example.org, backend' };
    expect(collectionUrl(undefined, headers, false)).toBe('https://todo.example.org/api/todos/');
  });

  it('adds a non-standard X-Forwarded-Port to a forwarded host without a port', () => {
    const base = { host: 'backend:3000', 'x-forwarded-host': 'todo.example.org', 'x-forwarded-proto': 'https' };
    expect(collectionUrl(undefined, { ...base, 'x-forwarded-port': '8443' }, false)).toBe(
      'https://todo.example.org:8443/api/todos/',
    );
    expect(collectionUrl(undefined, { ...base, 'x-forwarded-port': '443' }, false)).toBe('https://todo.example.org/api/todos/');
    expect(
      collectionUrl(undefined, { ...base, 'x-forwarded-host': 'todo.example.org:9000', 'x-forwarded-port': '8443' }, false),
    ).toBe('https://todo.example.org:9000/api/todos/');
  });

  it('ignores forwarded values that are not a scheme or a host name', () => {
    const headers = { host: 'ok.example:81', 'x-forwarded-proto': 'javascript', 'x-forwarded-host': 'evil/"path' };
    expect(collectionUrl(undefined, headers, false)).toBe('http://ok.example:81/api/todos/');
    expect(collectionUrl(undefined, { host: 'a b' }, false)).toBe('http://localhost/api/todos/');
    expect(collectionUrl(undefined, {}, false)).toBe('http://localhost/api/todos/');
  });
});
