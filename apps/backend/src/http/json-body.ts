import express, { type RequestHandler } from 'express';
import { UnsupportedMediaTypeError } from './errors.ts';

/** Largest request body, in bytes (100 kB). */
export const BODY_LIMIT = 100 * 1024;

/** Parses a JSON body up to 100 kB; a body of another Content-Type is refused with 415. */
export function jsonBody(): RequestHandler {
  const parse = express.json({ limit: BODY_LIMIT, strict: true });
  return (req, res, next) => {
    const length = req.headers['content-length'];
    const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
    if (hasBody && !req.is(['json', '+json'])) {
      next(new UnsupportedMediaTypeError());
      return;
    }
    parse(req, res, next);
  };
}
