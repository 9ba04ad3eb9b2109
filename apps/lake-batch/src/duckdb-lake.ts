import type { Json } from '@duckdb/node-api';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { LakeConnection } from './config.ts';

export interface DuckDBLakeOptions {
  readonly lake: LakeConnection;
  /** Alias of the attached catalog. */
  readonly catalog: string;
  /** Where httpfs, iceberg and avro for this DuckDB version are; empty means DuckDB's default directory. */
  readonly extensionDirectory: string;
  /** @default DuckDB's default (all cores) */
  readonly threads?: number;
  /** @default DuckDB's default (80% of RAM) */
  readonly memoryLimit?: string;
}

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** DuckDB with the lake's Iceberg REST catalog attached read-write under `catalog`, in UTC. */
export class DuckDBLake {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  static async open(options: DuckDBLakeOptions): Promise<DuckDBLake> {
    const settings: Record<string, string> = {};
    if (options.threads !== undefined) settings.threads = String(options.threads);
    if (options.memoryLimit !== undefined) settings.memory_limit = options.memoryLimit;
    if (options.extensionDirectory !== '') settings.extension_directory = options.extensionDirectory;
    settings.autoinstall_known_extensions = 'false';
    const instance = await DuckDBInstance.create(':memory:', settings);
    const connection = await instance.connect();
    const lake = new DuckDBLake(instance, connection);
    try {
      const { lake: l } = options;
      const endpoint = new URL(l.s3Endpoint);
      for (const ext of ['httpfs', 'avro', 'iceberg']) await connection.run(`LOAD ${ext}`);
      await connection.run("SET TimeZone = 'UTC'");
      await connection.run(
        `CREATE SECRET lake_s3 (TYPE s3, KEY_ID ${literal(l.accessKeyId)}, SECRET ${literal(l.secretAccessKey)}, ` +
          `REGION ${literal(l.region)}, ENDPOINT ${literal(endpoint.host)}, URL_STYLE 'path', ` +
          `USE_SSL ${endpoint.protocol === 'https:'})`,
      );
      await connection.run(
        `CREATE SECRET lake_catalog (TYPE iceberg, CLIENT_ID ${literal(l.accessKeyId)}, ` +
          `CLIENT_SECRET ${literal(l.secretAccessKey)}, ENDPOINT ${literal(l.catalogUrl)})`,
      );
      await connection.run(
        `ATTACH ${literal(l.warehouse)} AS ${options.catalog} (TYPE iceberg, SECRET lake_catalog, ENDPOINT ${literal(l.catalogUrl)})`,
      );
    } catch (e) {
      lake.close();
      throw e;
    }
    return lake;
  }

  async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  async rows(sql: string): Promise<Record<string, Json>[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJson();
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
