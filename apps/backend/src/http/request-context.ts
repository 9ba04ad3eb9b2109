import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.ts';

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/** The request id: the caller's `X-Request-Id` when it is sane, else a new UUID. */
export function requestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_ID.test(header) ? header : randomUUID();
}

export interface RequestContextOptions {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** True while the server drains for shutdown: answers ask clients to close their connection. */
  readonly draining: () => boolean;
  /** Responses not yet closed, so that shutdown can ask their clients to close the connection too. */
  readonly inFlight: Set<ServerResponse>;
}

/**
 * Gives each request an id (`X-Request-Id`, `res.locals.requestId`), and when it ends, observes its duration by route
 * and logs one JSON line (probes and scrapes at debug level).
 */
export function requestContext({ logger, metrics, draining, inFlight }: RequestContextOptions): RequestHandler {
  return (req, res, next) => {
    const start = performance.now();
    const id = requestId(req.headers['x-request-id']);
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    if (draining()) res.setHeader('Connection', 'close');
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      const seconds = (performance.now() - start) / 1000;
      const route: string = req.route?.path ?? 'unmatched';
      const status = res.writableFinished ? res.statusCode : 499;
      metrics.observeRequest(route, req.method, status, seconds);
      const level = QUIET_ROUTES.has(route) ? 'debug' : 'info';
      if (logger.isLevelEnabled(level)) {
        logger[level](
          { reqId: id, method: req.method, url: req.originalUrl, status, ms: Math.round(seconds * 1e4) / 10 },
          'request',
        );
      }
    });
    next();
  };
}
