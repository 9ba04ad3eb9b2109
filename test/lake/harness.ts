import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { LakeConnection } from '../../apps/archiver/src/config.ts';
import { openLakeConnection } from '../../apps/archiver/src/lake.ts';
import { ProcessorProcess, StreamFixture, sleep } from '../stream/harness.ts';
import { rig } from '../support/rig.ts';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The rig services the lake tests use: Kafka, SeaweedFS (S3 and the Iceberg catalog), DuckDB's extensions, PyIceberg. */
export interface LakeRig {
  readonly brokers: string;
  readonly lake: Record<string, string>;
  readonly extensionDirectory: string;
  readonly python: string;
}

export async function lakeRig(): Promise<LakeRig> {
  return {
    brokers: (await rig('kafka', 'single')).KAFKA_BROKERS ?? '',
    lake: await rig('seaweedfs'),
    extensionDirectory: (await rig('duckdb')).DUCKDB_EXTENSION_DIRECTORY ?? '',
    python: (await rig('pyiceberg')).PYICEBERG_PYTHON ?? '',
  };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

/** A table as PyIceberg reads it: format, schema, partition spec and rows (timestamps in epoch ms). */
export interface TableRead {
  readonly format_version: number;
  readonly schema: { id: number; name: string; type: string; required: boolean }[];
  readonly partition: { source: string; transform: string }[];
  readonly snapshots: number;
  /** The data files of the current snapshot. */
  readonly files: string[];
  readonly rows: Record<string, number | string>[];
}

export interface ArchiverHandle {
  readonly process: ProcessorProcess;
  readonly metricsPort: number;
}

/** A stream fixture plus its own Iceberg namespace and archiver group, so tests share one catalog without meeting. */
export class LakeFixture {
  readonly stream: StreamFixture;
  readonly namespace: string;
  readonly archiverGroup: string;
  readonly env: NodeJS.ProcessEnv;

  constructor(readonly rigs: LakeRig) {
    this.stream = new StreamFixture(rigs.brokers, 1);
    const id = randomUUID().slice(0, 8);
    this.namespace = `test_${id}`;
    this.archiverGroup = `archiver-${id}`;
    this.env = {
      ...this.stream.env,
      ...rigs.lake,
      DUCKDB_EXTENSION_DIRECTORY: rigs.extensionDirectory,
      STRATUS_LAKE__CATALOG__NAMESPACE: this.namespace,
      STRATUS_LAKE__ARCHIVER__CONSUMER_GROUP: this.archiverGroup,
      SESSION_TIMEOUT_MS: '6000',
      HEARTBEAT_INTERVAL_MS: '500',
      FLUSH_INTERVAL_MS: '1000',
      LOG_LEVEL: 'info',
    };
  }

  async startArchiver(name: string, env: NodeJS.ProcessEnv = {}): Promise<ArchiverHandle> {
    const metricsPort = await freePort();
    const process = new ProcessorProcess(
      name,
      { ...this.env, HOSTNAME: name, METRICS_PORT: String(metricsPort), ...env },
      'apps/archiver/src/main.ts',
    );
    return { process, metricsPort };
  }

  /** Messages of `events` and `results` past the archiver group's committed offsets (a hint that trails the lake). */
  async archiverLag(): Promise<number> {
    const admin = this.stream.kafka.admin();
    await admin.connect();
    try {
      let lag = 0;
      for (const topic of [this.stream.topics.events, this.stream.topics.results]) {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId: this.archiverGroup, topics: [topic] });
        for (const end of ends) {
          const c = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
          lag += Number(end.high) - Math.max(Number(c), Number(end.low));
        }
      }
      return lag;
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Sets the archiver group's Kafka offsets back to the earliest, once the group has no member left: the archiver
   * must then find its position in the lake, not in Kafka.
   */
  async forgetKafkaOffsets(): Promise<void> {
    const admin = this.stream.kafka.admin();
    await admin.connect();
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const { groups } = await admin.describeGroups([this.archiverGroup]);
        if (groups[0]?.state === 'Empty') break;
        if (Date.now() > deadline) throw new Error(`the group ${this.archiverGroup} is still ${groups[0]?.state}`);
        await sleep(250);
      }
      for (const topic of [this.stream.topics.events, this.stream.topics.results]) {
        await admin.resetOffsets({ groupId: this.archiverGroup, topic, earliest: true });
      }
    } finally {
      await admin.disconnect();
    }
  }

  async waitArchived(timeoutMs: number): Promise<void> {
    await until(() => this.archiverLag(), timeoutMs, 'the archiver');
  }

  async waitProcessed(timeoutMs: number): Promise<void> {
    await until(() => this.stream.lag(), timeoutMs, 'the processor');
  }

  /** Runs one statement on the lake through a DuckDB of its own (the catalog attached as `lake`). */
  async sql(statement: string): Promise<void> {
    const { instance, connection } = await openLakeConnection(this.lakeConnection());
    try {
      await connection.run(statement);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }

  lakeConnection(): LakeConnection {
    const lake = this.rigs.lake;
    return {
      catalogUrl: lake.ICEBERG_CATALOG_URL ?? '',
      warehouse: lake.ICEBERG_WAREHOUSE ?? '',
      namespace: this.namespace,
      s3Endpoint: lake.S3_ENDPOINT ?? '',
      s3Region: lake.S3_REGION ?? '',
      accessKeyId: lake.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: lake.AWS_SECRET_ACCESS_KEY ?? '',
      extensionDirectory: this.rigs.extensionDirectory,
    };
  }

  /** The tables as read by PyIceberg, an engine other than the DuckDB that wrote them. */
  async readTables(...tables: string[]): Promise<Record<string, TableRead>> {
    const { stdout } = await promisify(execFile)(this.rigs.python, [`${here}read_tables.py`, this.namespace, ...tables], {
      env: { ...process.env, ...this.rigs.lake },
      maxBuffer: 512 * 1024 * 1024,
    });
    return JSON.parse(stdout) as Record<string, TableRead>;
  }
}

/** Polls `lag` until it is 0; Kafka errors marked retriable (a coordinator still loading) count as not yet. */
async function until(lag: () => Promise<number>, timeoutMs: number, who: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = 'unknown';
  for (;;) {
    try {
      last = await lag();
      if (last === 0) return;
    } catch (e) {
      if (!(e as { retriable?: boolean }).retriable) throw e;
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${who} still lags (${String(last)}) after ${timeoutMs} ms`);
    await sleep(500);
  }
}

/** Polls `check` until it holds; false after `timeoutMs`. Errors (a process not listening yet) count as false. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
}

/** A metric's value from an archiver's `/metrics`, summed over the series that match all given labels. */
export async function metric(port: number, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}
