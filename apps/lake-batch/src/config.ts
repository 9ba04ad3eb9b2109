import { loadConfig, type StratusConfig } from '@stratus/config';
import { readSecret } from '@stratus/config/secret-file';
import type { LakeNames } from './batch-plan.ts';
import { lakeNames, maintenanceArgs } from './lake-names.ts';

/** How to reach the lake: the Iceberg REST catalog and the S3 API under it, with credentials from the environment. */
export interface LakeConnection {
  readonly catalogUrl: string;
  readonly warehouse: string;
  readonly s3Endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** Everything the batch job, the maintenance and the query command read at start. */
export interface BatchConfig {
  readonly lake: LakeConnection;
  readonly names: LakeNames;
  readonly windowSize: number;
  readonly lookbackDays: number;
  /** The arguments of spark/maintenance.py: the tables and the retention settings. */
  readonly maintenanceArgs: readonly string[];
  /** Where DuckDB finds httpfs, iceberg and avro built for its exact version (scripts/rig/duckdb.sh). */
  readonly duckdbExtensionDirectory: string;
  readonly spark: SparkSettings;
}

export interface SparkSettings {
  readonly submit: string;
  /** The Python that runs the PySpark job on the driver. */
  readonly python: string;
  /** Comma list of the Iceberg runtime and AWS bundle jars; empty when the image has them on the class path. */
  readonly jars: string;
  readonly master: string;
  readonly driverMemory: string;
}

export class BatchConfigError extends Error {
  override readonly name = 'BatchConfigError';
  readonly retriable = false;
}

/** A credential from the file `<name>_FILE` names (a mounted Secret), else from `<name>` itself. */
function secretFrom(env: NodeJS.ProcessEnv, name: string, what: string): string {
  let value: string | undefined;
  try {
    value = readSecret(env, name);
  } catch (e) {
    throw new BatchConfigError(`${(e as Error).message}: ${what}`);
  }
  if (value === undefined) throw new BatchConfigError(`'${name}' must be set: ${what}`);
  return value;
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new BatchConfigError(`'${name}' must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return n;
}

/** The in-cluster default of a URL that config leaves empty: the SeaweedFS service of the lake namespace. */
function seaweedfsUrl(config: StratusConfig, port: number): string {
  const { lake, cluster } = config;
  return `http://${lake.seaweedfs.service}.${lake.namespace}.svc.${cluster.domain}:${port}`;
}

export function batchConfig(env: NodeJS.ProcessEnv = process.env): BatchConfig {
  const config = loadConfig({ env });
  const { lake } = config;
  const catalogUrl = env.ICEBERG_CATALOG_URL || lake.catalog.url || seaweedfsUrl(config, lake.seaweedfs.icebergPort);
  const s3Endpoint = env.S3_ENDPOINT || lake.storage.endpoint || seaweedfsUrl(config, lake.seaweedfs.s3Port);
  for (const [name, url] of [
    ['ICEBERG_CATALOG_URL', catalogUrl],
    ['S3_ENDPOINT', s3Endpoint],
  ] as const) {
    if (!/^https?:\/\/[^/\s]+(\/.*)?$/.test(url)) throw new BatchConfigError(`'${name}' must be an http(s) URL, got '${url}'`);
  }
  const secretHint = `the lake's S3 credentials (Secret ${lake.storage.secret})`;
  const names = lakeNames(config);
  return {
    lake: {
      catalogUrl,
      warehouse: env.ICEBERG_WAREHOUSE || lake.catalog.warehouse,
      s3Endpoint,
      region: env.S3_REGION || env.AWS_REGION || lake.storage.region,
      accessKeyId: secretFrom(env, 'AWS_ACCESS_KEY_ID', secretHint),
      secretAccessKey: secretFrom(env, 'AWS_SECRET_ACCESS_KEY', secretHint),
    },
    names,
    windowSize: intFrom(env, 'WINDOW_SIZE', config.stream.windowSize, 1, 100_000),
    lookbackDays: intFrom(env, 'LOOKBACK_DAYS', lake.batch.lookbackDays, 1, 366),
    maintenanceArgs: maintenanceArgs(config),
    duckdbExtensionDirectory: env.DUCKDB_EXTENSION_DIRECTORY ?? '',
    spark: {
      submit: env.SPARK_SUBMIT || 'spark-submit',
      python: env.SPARK_PYTHON || 'python3',
      jars: env.SPARK_JARS ?? '',
      master: env.SPARK_MASTER || 'local[2]',
      driverMemory: env.SPARK_DRIVER_MEMORY || '1g',
    },
  };
}
