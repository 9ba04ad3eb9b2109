import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Logger } from 'pino';
import { createApp } from './app.ts';
import type { BackendConfig } from './config.ts';
import { EmbeddedPostgres } from './db/embedded.ts';
import { MIGRATIONS } from './db/migrations.ts';
import { migrate } from './db/migrator.ts';
import { createPool } from './db/pool.ts';
import { Metrics } from './metrics.ts';
import { TodoRepository } from './todos/repository.ts';

/**
 * The backend process: database (server or embedded), pool, migrations and HTTP server, with an explicit lifecycle.
 * `start` listens at once (so /healthz answers), migrates (retrying while the database is unreachable) and then
 * becomes ready. `stop` stops accepting, drains requests in flight, then closes the pool and the embedded database.
 */
export class BackendServer {
  private embedded: EmbeddedPostgres | undefined;
  private pool: pg.Pool | undefined;
  private http: Server | undefined;
  private ready = false;
  private draining = false;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private readonly aborted = new AbortController();
  private readonly inFlight = new Set<ServerResponse>();

  constructor(
    private readonly config: BackendConfig,
    private readonly logger: Logger,
  ) {}

  /** The port the server listens on (useful with PORT=0). */
  get port(): number {
    const address = this.http?.address();
    if (!address || typeof address === 'string') throw new Error('the server is not listening');
    return (address as AddressInfo).port;
  }

  /** Resolves once the schema is migrated and the API serves; `stop` ends the waiting early. */
  start(): Promise<void> {
    this.starting ??= this.startUp();
    return this.starting;
  }

  private async startUp(): Promise<void> {
    const { config, logger } = this;
    let connectionString: string | undefined;
    let password: string | undefined;
    if (config.database.kind === 'embedded') {
      this.embedded = await EmbeddedPostgres.start(config.database.dataDir);
      connectionString = this.embedded.connectionString;
      logger.info({ dataDir: config.database.dataDir }, 'embedded PostgreSQL (PGlite) started');
      if (this.draining) return;
    } else {
      connectionString = config.database.connectionString;
      password = config.database.password;
    }
    const embedded = config.database.kind === 'embedded';
    const pool = createPool(
      { connectionString, password, max: config.database.poolMax, idleTimeoutMs: embedded ? 0 : 30_000 },
      logger,
    );
    this.pool = pool;
    const app = createApp({
      todos: new TodoRepository(pool),
      metrics: new Metrics(pool),
      logger,
      publicUrl: config.publicUrl,
      lifecycle: { ready: () => this.ready, draining: () => this.draining, inFlight: this.inFlight },
      pingDatabase: async () => {
        await pool.query('SELECT 1');
      },
    });
    const http = createServer({ keepAliveTimeout: 65_000, headersTimeout: 20_000, requestTimeout: 30_000 }, app);
    this.http = http;
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(config.port, config.host, () => {
        http.off('error', reject);
        resolve();
      });
    });
    logger.info({ host: config.host, port: this.port }, 'listening');
    if (this.draining) return;
    await this.migrateWithRetry(pool);
    if (!this.draining) this.ready = true;
  }

  private async migrateWithRetry(pool: pg.Pool): Promise<void> {
    for (let attempt = 1, delay = 250; !this.draining; attempt++, delay = Math.min(delay * 2, 5_000)) {
      try {
        const applied = await migrate(pool, MIGRATIONS);
        this.logger.info({ applied }, applied.length > 0 ? 'schema migrated' : 'schema up to date');
        return;
      } catch (e) {
        if (this.draining) return;
        this.logger.warn({ attempt, err: (e as Error).message }, 'migration failed; retrying');
        await sleep(delay, undefined, { signal: this.aborted.signal }).catch(() => undefined);
      }
    }
  }

  /** Graceful shutdown within the configured timeout; safe to call more than once. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const deadline = Date.now() + this.config.shutdownTimeoutMs;
    this.draining = true;
    this.ready = false;
    this.aborted.abort();
    await this.starting?.catch(() => undefined);
    for (const res of this.inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
    const http = this.http;
    if (http) {
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      const sweeper = setInterval(() => http.closeIdleConnections(), 100);
      http.closeIdleConnections();
      const drainUntil = Math.max(0, deadline - Date.now() - Math.min(1_000, this.config.shutdownTimeoutMs / 5));
      const drained = await Promise.race([closed.then(() => true), sleep(drainUntil).then(() => false)]);
      clearInterval(sweeper);
      if (!drained) {
        this.logger.warn('requests still in flight at the shutdown deadline; closing their connections');
        http.closeAllConnections();
        await closed;
      }
    }
    await Promise.race([this.pool?.end(), sleep(Math.max(0, deadline - Date.now()))]);
    await this.embedded?.stop();
    this.logger.info('stopped');
  }
}
