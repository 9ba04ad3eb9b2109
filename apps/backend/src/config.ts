import { loadConfig } from '@stratus/config';
import { readSecret } from '@stratus/config/secret-file';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Where the todos live: a PostgreSQL server, or the embedded PGlite in a local directory. */
export type DatabaseConfig =
  | {
      readonly kind: 'server';
      readonly connectionString: string | undefined;
      readonly poolMax: number;
      /** From the file PGPASSWORD_FILE names (a mounted Secret). @default PGPASSWORD, as pg reads it */
      readonly password?: string;
    }
  | { readonly kind: 'embedded'; readonly dataDir: string; readonly poolMax: 1 };

export interface BackendConfig {
  /** HTTP port. @default todo.backend.port of @stratus/config */
  readonly port: number;
  /** Address to listen on. @default '0.0.0.0' */
  readonly host: string;
  /** Absolute URL the todos' `url` starts with, without a trailing slash. @default undefined (from the request) */
  readonly publicUrl: string | undefined;
  /** pino level. @default 'info' */
  readonly logLevel: LogLevel;
  /** The database. @default the embedded PGlite in `.data/pglite` when neither DATABASE_URL nor PGHOST is set */
  readonly database: DatabaseConfig;
  /** How long SIGTERM waits for requests in flight before it closes them. @default 10000 */
  readonly shutdownTimeoutMs: number;
}

export class BackendConfigError extends Error {
  override readonly name = 'BackendConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid backend configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    problems.push(`${name} = ${JSON.stringify(raw)}: must be an integer from ${min} to ${max}`);
    return fallback;
  }
  return value;
}

function publicUrl(raw: string | undefined, problems: string[]): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    problems.push(`PUBLIC_URL = ${JSON.stringify(raw)}: must be an absolute http(s) URL without query or fragment`);
    return undefined;
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function databaseUrl(raw: string | undefined, problems: string[]): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^postgres(ql)?:\/\//.test(raw)) {
    problems.push('DATABASE_URL: must be a postgres:// or postgresql:// URL');
    return undefined;
  }
  return raw;
}

function passwordFile(env: NodeJS.ProcessEnv, problems: string[]): string | undefined {
  try {
    return env.PGPASSWORD_FILE ? readSecret(env, 'PGPASSWORD') : undefined;
  } catch (e) {
    problems.push((e as Error).message);
    return undefined;
  }
}

/** Reads and validates the backend's environment; throws a BackendConfigError that names every wrong variable. */
export function loadBackendConfig(env: NodeJS.ProcessEnv = process.env): BackendConfig {
  const stratus = loadConfig({ env });
  const problems: string[] = [];
  const logLevel = (env.LOG_LEVEL || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL = ${JSON.stringify(env.LOG_LEVEL)}: must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const connectionString = databaseUrl(env.DATABASE_URL, problems);
  const poolMax = integer(env, 'PG_POOL_MAX', 10, 1, 1000, problems);
  const password = passwordFile(env, problems);
  const database: DatabaseConfig =
    connectionString !== undefined || env.PGHOST
      ? { kind: 'server', connectionString, poolMax, ...(password === undefined ? {} : { password }) }
      : { kind: 'embedded', dataDir: env.PGLITE_DATA_DIR || '.data/pglite', poolMax: 1 };
  const config: BackendConfig = {
    port: integer(env, 'PORT', stratus.todo.backend.port, 0, 65535, problems),
    host: env.HOST || '0.0.0.0',
    publicUrl: publicUrl(env.PUBLIC_URL, problems),
    logLevel,
    database,
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000, problems),
  };
  if (problems.length > 0) throw new BackendConfigError(problems);
  return config;
}
