import pg from 'pg';
import type { Logger } from 'pino';

export interface PoolOptions {
  /** `postgres://` URL. @default the standard PG* environment variables */
  readonly connectionString: string | undefined;
  /** @default PGPASSWORD, or the password in the URL */
  readonly password?: string;
  /** Most connections at once. */
  readonly max: number;
  /** Close connections idle this long; 0 keeps them. @default 30000 */
  readonly idleTimeoutMs?: number;
}

/** A pg pool whose broken idle connections are logged and replaced instead of crashing the process. */
export function createPool(options: PoolOptions, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    ...(options.password === undefined ? {} : { password: options.password }),
    max: options.max,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
    application_name: 'stratus-backend',
  });
  pool.on('error', (err) => logger.warn({ err: err.message }, 'idle database connection failed; it will be replaced'));
  return pool;
}
