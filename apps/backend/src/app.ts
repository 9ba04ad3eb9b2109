import type { ServerResponse } from 'node:http';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { cors } from './http/cors.ts';
import { errorHandler, NotFoundError, ServiceUnavailableError } from './http/errors.ts';
import { requestContext } from './http/request-context.ts';
import { sendJson } from './http/send.ts';
import type { Metrics } from './metrics.ts';
import type { TodoRepository } from './todos/repository.ts';
import { todoRouter } from './todos/routes.ts';

/** What the app reads of the server's lifecycle. */
export interface Lifecycle {
  /** Migrations are done and the API may serve. */
  readonly ready: () => boolean;
  /** Shutdown has begun. */
  readonly draining: () => boolean;
  /** Filled by the app with the responses in progress. */
  readonly inFlight: Set<ServerResponse>;
}

export interface AppProps {
  readonly todos: TodoRepository;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  /** Answers when the database does; rejects otherwise. */
  readonly pingDatabase: () => Promise<void>;
  /** @default undefined (todo URLs from the request) */
  readonly publicUrl: string | undefined;
}

const READY_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The HTTP application: CORS, request ids and metrics, the todo API, probes, metrics and JSON errors. */
export function createApp(props: AppProps): Express {
  const { lifecycle, logger } = props;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use(requestContext({ logger, metrics: props.metrics, draining: lifecycle.draining, inFlight: lifecycle.inFlight }));
  app.use(cors());

  app.get('/healthz', (_req, res) => sendJson(res, 200, '{"status":"ok"}'));
  app.get('/readyz', async (_req, res) => {
    if (lifecycle.draining() || !lifecycle.ready()) {
      sendJson(res, 503, JSON.stringify({ status: lifecycle.draining() ? 'draining' : 'starting' }));
      return;
    }
    try {
      await withTimeout(props.pingDatabase(), READY_TIMEOUT_MS);
      sendJson(res, 200, '{"status":"ok"}');
    } catch (e) {
      sendJson(res, 503, JSON.stringify({ status: 'database unavailable', error: (e as Error).message }));
    }
  });
  app.get('/metrics', async (_req, res) => {
    const { contentType, body } = await props.metrics.render();
    res.setHeader('Content-Type', contentType);
    res.end(body);
  });

  app.use((req, _res, next) => {
    if (!lifecycle.ready() && req.path.startsWith('/api/'))
      next(new ServiceUnavailableError('the backend is starting; retry later'));
    else next();
  });
  app.use(todoRouter(props.todos, props.publicUrl));
  app.use((req) => {
    throw new NotFoundError(`${req.method} ${req.path}`);
  });
  app.use(errorHandler(logger));
  return app;
}
