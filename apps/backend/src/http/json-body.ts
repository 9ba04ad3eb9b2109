import type { RequestHandler } from 'express';
import { HttpError, UnsupportedMediaTypeError } from './errors.ts';

/** Largest request body, in bytes (100 kB). */
export const BODY_LIMIT = 100 * 1024;

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Whether a Content-Type is JSON (`application/json` or `+json`) in UTF-8. */
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const [mediaType = '', ...params] = header.toLowerCase().split(';');
  const type = mediaType.trim();
  if (type !== 'application/json' && !(type.startsWith('application/') && type.endsWith('+json'))) return false;
  return params.every((p) => {
    const [name, value = ''] = p.split('=').map((s) => s.trim());
    return name !== 'charset' || value.replace(/"/g, '') === 'utf-8' || value.replace(/"/g, '') === 'utf8';
  });
}

/** Parses JSON text; throws a 400 HttpError that quotes the parser's complaint. */
export function parseJson(bytes: Buffer): unknown {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new HttpError(400, 'the body must be UTF-8 text');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `malformed JSON: ${(e as Error).message}`);
  }
}

const tooLarge = () => new HttpError(413, 'the body must be at most 100 kB');

/**
 * Reads a JSON body of at most `limit` bytes into `req.body` (undefined when there is none). A body of another
 * Content-Type or Content-Encoding is refused with 415, a larger one with 413 before more of it is read.
 */
export function jsonBody(limit = BODY_LIMIT): RequestHandler {
  return (req, _res, next) => {
    req.body = undefined;
    const length = req.headers['content-length'];
    if (req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) {
      next();
      return;
    }
    if (!isJsonContentType(req.headers['content-type'])) {
      next(new UnsupportedMediaTypeError());
      return;
    }
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      next(new HttpError(415, `Content-Encoding ${encoding} is not supported; send the JSON uncompressed`));
      return;
    }
    if (length !== undefined && Number(length) > limit) {
      next(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error?: HttpError) => {
      if (done) return;
      done = true;
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onError);
      if (error) {
        next(error);
        return;
      }
      try {
        req.body = parseJson(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
      } catch (e) {
        next(e);
        return;
      }
      next();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(tooLarge());
      else chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = () => finish(new HttpError(400, 'the request body was cut off'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onError);
  };
}
