import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { TodoValidationError } from '../todos/validation.ts';
import { sendJson } from './send.ts';

/** An error whose message is the answer to the client, with its HTTP status. */
export class HttpError extends Error {
  override readonly name: string = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export class NotFoundError extends HttpError {
  override readonly name = 'NotFoundError';
  constructor(what: string) {
    super(404, `${what} not found`);
  }
}

export class MethodNotAllowedError extends HttpError {
  override readonly name = 'MethodNotAllowedError';
  constructor(method: string, allowed: readonly string[]) {
    super(405, `${method} is not allowed here; use ${allowed.join(', ')}`, { Allow: allowed.join(', ') });
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  override readonly name = 'UnsupportedMediaTypeError';
  constructor() {
    super(415, 'the body must be JSON with Content-Type: application/json');
  }
}

export class ServiceUnavailableError extends HttpError {
  override readonly name = 'ServiceUnavailableError';
  constructor(reason: string) {
    super(503, reason, { 'Retry-After': '1' });
  }
}

/** Turns any error into an HTTP answer: client mistakes become 4xx, an unreachable database 503, the rest 500. */
export function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (err instanceof TodoValidationError) return new HttpError(400, err.message);
  if (isDatabaseUnavailable(err)) return new ServiceUnavailableError('the database is unavailable; retry later');
  if (err instanceof Error) {
    const { status } = err as { status?: unknown };
    if (typeof status === 'number' && status >= 400 && status < 500) return new HttpError(status, err.message);
  }
  return undefined;
}

/** The last Express handler: answers `{"error": message}` and logs what is not the client's fault. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const reqId = res.locals.requestId as string | undefined;
    const http = toHttpError(err);
    if (!http || (http.status >= 500 && http.status !== 503)) {
      logger.error({ reqId, err, method: req.method, url: req.originalUrl }, 'request failed');
    } else if (http.status === 503) {
      logger.warn({ reqId, err: (err as Error).message, method: req.method, url: req.originalUrl }, 'service unavailable');
    }
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    const answer = http ?? new HttpError(500, 'internal server error');
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    sendJson(res, answer.status, JSON.stringify({ error: answer.message }));
  };
}
