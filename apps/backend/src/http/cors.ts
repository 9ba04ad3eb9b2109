import type { RequestHandler } from 'express';

export const CORS_METHODS = 'GET, HEAD, POST, PATCH, DELETE, OPTIONS';
const ALLOWED_HEADERS = 'Content-Type, If-None-Match, X-Request-Id';
const HEADER_LIST = /^[A-Za-z0-9-]+(?:\s*,\s*[A-Za-z0-9-]+)*$/;

/** CORS for any origin; preflight requests (OPTIONS) on any path are answered 204 here. */
export function cors(): RequestHandler {
  return (req, res, next) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method !== 'OPTIONS') {
      res.setHeader('Access-Control-Expose-Headers', 'ETag, Location, X-Request-Id');
      next();
      return;
    }
    const requested = req.headers['access-control-request-headers'];
    res.setHeader('Access-Control-Allow-Methods', CORS_METHODS);
    res.setHeader('Access-Control-Allow-Headers', requested && HEADER_LIST.test(requested) ? requested : ALLOWED_HEADERS);
    res.setHeader('Access-Control-Max-Age', '86400');
    res.statusCode = 204;
    res.end();
  };
}
