import type { IncomingHttpHeaders } from 'node:http';

const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const PORT = /^\d{1,5}$/;

function first(value: string | string[] | undefined): string | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const comma = raw.indexOf(',');
  return (comma === -1 ? raw : raw.slice(0, comma)).trim() || undefined;
}

function hasPort(host: string): boolean {
  return /:\d+$/.test(host) && !host.endsWith(']');
}

/**
 * The absolute URL of the todo collection with a trailing slash, e.g. `https://todo.example.org/api/todos/`:
 * from `publicUrl` when given, else from `X-Forwarded-Proto`/`-Host`/`-Port` and the `Host` header.
 */
export function collectionUrl(publicUrl: string | undefined, headers: IncomingHttpHeaders, encrypted: boolean): string {
  if (publicUrl !== undefined) return `${publicUrl}/api/todos/`;
  const forwardedProto = first(headers['x-forwarded-proto'])?.toLowerCase();
  const proto = forwardedProto === 'http' || forwardedProto === 'https' ? forwardedProto : encrypted ? 'https' : 'http';
  const forwardedHost = first(headers['x-forwarded-host']);
  let host = forwardedHost && HOST.test(forwardedHost) ? forwardedHost : headers.host;
  if (host === undefined || !HOST.test(host)) host = 'localhost';
  const forwardedPort = first(headers['x-forwarded-port']);
  if (forwardedHost && forwardedPort && PORT.test(forwardedPort) && !hasPort(host)) {
    const standard = (proto === 'https' && forwardedPort === '443') || (proto === 'http' && forwardedPort === '80');
    if (!standard) host = `${host}:${forwardedPort}`;
  }
  return `${proto}://${host.toLowerCase()}/api/todos/`;
}
