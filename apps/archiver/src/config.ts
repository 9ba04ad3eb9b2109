import { loadConfig } from '@stratus/config';
import { readSecret } from '@stratus/config/secret-file';

/** Where the lake is and how to reach it: the Iceberg REST catalog, its warehouse and the S3 API under it. */
export interface LakeConnection {
  readonly catalogUrl: string;
  readonly warehouse: string;
  readonly namespace: string;
  readonly s3Endpoint: string;
  readonly s3Region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The DuckDB extension directory holding httpfs, iceberg and avro for this DuckDB version. */
  readonly extensionDirectory: string;
}

/** Everything the archiver reads at start: `@stratus/config` (with `STRATUS_*` overrides) plus its own env. */
export interface ArchiverConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly eventsTopic: string;
  readonly resultsTopic: string;
  readonly lake: LakeConnection;
  readonly tables: { readonly events: string; readonly windows: string; readonly positions: string };
  /** A batch is committed when it holds this many rows, or when its oldest row has waited `flushIntervalMs`. */
  readonly flushRows: number;
  readonly flushIntervalMs: number;
  readonly metricsPort: number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly maxWaitTimeMs: number;
  readonly maxBytesPerPartition: number;
  /** How long a failing lake commit is retried before the archiver gives up and exits. */
  readonly commitRetryMs: number;
}

export class ArchiverConfigError extends Error {
  override readonly name = 'ArchiverConfigError';
  readonly retriable = false;
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ArchiverConfigError(`'${name}' must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return n;
}

function required(env: NodeJS.ProcessEnv, name: string, hint: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new ArchiverConfigError(`'${name}' must be set: ${hint}`);
  return value;
}

/** A credential from the file `<name>_FILE` names (a mounted Secret), else from `<name>` itself. */
function secretFrom(env: NodeJS.ProcessEnv, name: string, hint: string): string {
  let value: string | undefined;
  try {
    value = readSecret(env, name);
  } catch (e) {
    throw new ArchiverConfigError(`${(e as Error).message}: ${hint}`);
  }
  if (value === undefined) throw new ArchiverConfigError(`'${name}' must be set: ${hint}`);
  return value;
}

function url(name: string, value: string): string {
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new ArchiverConfigError(`'${name}' must be an http(s) URL such as http://seaweedfs:8333, got '${value}'`);
  }
  return value.replace(/\/+$/, '');
}

export function archiverConfig(env: NodeJS.ProcessEnv = process.env): ArchiverConfig {
  const config = loadConfig({ env });
  const { lake, stream } = config;
  const brokers = (env.KAFKA_BROKERS ?? `${stream.kafka.service}:${stream.kafka.port}`)
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) throw new ArchiverConfigError("'KAFKA_BROKERS' must list at least one host:port");
  const seaweedfs = `http://${lake.seaweedfs.service}.${lake.namespace}.svc`;
  const s3Endpoint = env.S3_ENDPOINT || lake.storage.endpoint || `${seaweedfs}:${lake.seaweedfs.s3Port}`;
  const catalogUrl = env.ICEBERG_CATALOG_URL || lake.catalog.url || `${seaweedfs}:${lake.seaweedfs.icebergPort}`;
  const sessionTimeoutMs = intFrom(env, 'SESSION_TIMEOUT_MS', 30_000, 1_000, 300_000);
  return {
    brokers,
    clientId: env.HOSTNAME ?? 'archiver',
    groupId: lake.archiver.consumerGroup,
    eventsTopic: stream.topics.events.name,
    resultsTopic: stream.topics.results.name,
    lake: {
      catalogUrl: url('ICEBERG_CATALOG_URL', catalogUrl),
      warehouse: env.ICEBERG_WAREHOUSE || lake.catalog.warehouse,
      namespace: lake.catalog.namespace,
      s3Endpoint: url('S3_ENDPOINT', s3Endpoint),
      s3Region: env.S3_REGION || lake.storage.region,
      accessKeyId: secretFrom(env, 'AWS_ACCESS_KEY_ID', `the S3 access key (Secret ${lake.storage.secret})`),
      secretAccessKey: secretFrom(env, 'AWS_SECRET_ACCESS_KEY', `the S3 secret key (Secret ${lake.storage.secret})`),
      extensionDirectory: required(
        env,
        'DUCKDB_EXTENSION_DIRECTORY',
        'the directory with the httpfs, iceberg and avro extensions (bash scripts/rig/duckdb.sh start)',
      ),
    },
    tables: lake.tables,
    flushRows: intFrom(env, 'FLUSH_ROWS', lake.archiver.flushRows, 1, 10_000_000),
    flushIntervalMs: intFrom(env, 'FLUSH_INTERVAL_MS', lake.archiver.flushIntervalMs, 1, 3_600_000),
    metricsPort: intFrom(env, 'METRICS_PORT', lake.archiver.metricsPort, 0, 65_535),
    sessionTimeoutMs,
    heartbeatIntervalMs: intFrom(env, 'HEARTBEAT_INTERVAL_MS', Math.floor(sessionTimeoutMs / 5), 100, sessionTimeoutMs),
    maxWaitTimeMs: intFrom(env, 'MAX_WAIT_TIME_MS', 100, 0, 10_000),
    maxBytesPerPartition: intFrom(env, 'MAX_BYTES_PER_PARTITION', 4 * 1_048_576, 1_024, 64 * 1_048_576),
    commitRetryMs: intFrom(env, 'COMMIT_RETRY_MS', 60_000, 0, 3_600_000),
  };
}
